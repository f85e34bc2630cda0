/**
 * The multi-scale features of the image pipeline (stdlib/mnist/features.ts, paper App. A.5): every
 * statistic of one feature map against a plain float64 computation, the keys and layouts of the
 * whole feature set of a small encoder with each of its maps' statistics recomputed from the
 * encoder's blocks, `global` and `norm_x` from the pixels, and the whole set compiled for wasm
 * against the float64 interpreter per element (test/tolerance.ts). Seeds are fixed per test
 * (DRIFT_TEST_SEED replays another); every failure names its seed.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { randomKey, setBackend, Tensor, type T4 } from '../dsl/index.js'
import { initEncoder, type EncoderParams } from '../stdlib/mnist/encoder.js'
import { multiScaleFeatures, STD_EPS } from '../stdlib/mnist/features.js'
import { argSpec, flattenInputs } from '../compiler/runtime/signature.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { blocksOf, mapFeaturesOf } from './fixtures/mnist.js'
import { expectClose, randn, rng, rootPath, seeded } from './helpers.js'
import { gradientError } from './gradcheck.js'
import { expectFloat32Run, float64Tolerance } from './tolerance.js'

beforeAll(() => setBackend('wasm'))

const tensor4 = (shape: number[], r: () => number, scale = 1): T4 =>
  new Tensor(Float32Array.from(randn(shape, r, scale).data), shape as [number, number, number, number], 'f32')
const values = (t: { data: ArrayLike<number> }) => Array.from(t.data)
/** The tensors of a pytree in the compiler's flattening order (the order of a graph's outputs). */
const leaves = (tree: unknown): NDArray[] => {
  const out: NDArray[] = []
  flattenInputs(tree, argSpec(tree, false, 'tree'), out)
  return out
}

/** Plain float64 statistics of h [n, C, H, W] over ph×pw patches, laid out [patches, n, C] (row-major patches). */
function refPatchStats(h: T4, ph: number, pw: number): { mean: number[]; std: number[] } {
  const [n, c, hh, ww] = h.shape
  const [a, b] = [hh / ph, ww / pw]
  const mean: number[] = new Array(a * b * n * c)
  const std: number[] = new Array(a * b * n * c)
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++)
      for (let s = 0; s < n; s++)
        for (let k = 0; k < c; k++) {
          const px: number[] = []
          for (let u = 0; u < ph; u++)
            for (let v = 0; v < pw; v++) px.push(h.data[((s * c + k) * hh + i * ph + u) * ww + j * pw + v])
          const m = px.reduce((x, y) => x + y, 0) / px.length
          const variance = px.reduce((x, y) => x + (y - m) ** 2, 0) / px.length
          const at = ((i * b + j) * n + s) * c + k
          mean[at] = m
          std[at] = Math.sqrt(variance + STD_EPS)
        }
  return { mean, std }
}

/** The statistics mapFeatures should give for h under `name`. */
function refMapFeatures(name: string, h: T4): Record<string, { shape: number[]; data: number[] }> {
  const [n, c, hh, ww] = h.shape
  const loc: number[] = []
  for (let i = 0; i < hh * ww; i++)
    for (let s = 0; s < n; s++) for (let k = 0; k < c; k++) loc.push(h.data[(s * c + k) * hh * ww + i])
  const whole = refPatchStats(h, hh, ww)
  const out: Record<string, { shape: number[]; data: number[] }> = {
    [`${name}_loc`]: { shape: [hh * ww, n, c], data: loc },
    [`${name}_mean`]: { shape: [1, n, c], data: whole.mean },
    [`${name}_std`]: { shape: [1, n, c], data: whole.std },
  }
  for (const p of [2, 4])
    if (hh / p >= 2 && ww / p >= 2) {
      const s = refPatchStats(h, p, p)
      out[`${name}_mean${p}`] = { shape: [(hh / p) * (ww / p), n, c], data: s.mean }
      out[`${name}_std${p}`] = { shape: [(hh / p) * (ww / p), n, c], data: s.std }
    }
  return out
}

/** Every key's shape and values; a statistic sums at most `terms` values (float64 both ways). */
function expectFeatures(
  got: Record<string, Tensor>,
  want: Record<string, { shape: number[]; data: number[] }>,
  terms: number,
) {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort())
  for (const [k, w] of Object.entries(want)) {
    expect(got[k].shape, k).toEqual(w.shape)
    expectClose(values(got[k]), w.data, float64Tolerance(terms, w.data), k)
  }
}

describe('the statistics of one feature map', () => {
  test.each([
    ['an 8×8 map: locations, global, 2×2 and 4×4 patches', [2, 3, 8, 8]],
    ['a 4×4 map: the 4×4 patch is the whole map and is left out', [3, 2, 4, 4]],
    ['a 2×2 map: no patch statistics', [2, 2, 2, 2]],
  ])('%s (float64 interpreter against plain loops)', (_name, shape) =>
    seeded(async (r) => {
      const h = tensor4(shape, r, 2)
      const got = (await mapFeaturesOf.reference(h)) as Record<string, Tensor>
      expectFeatures(got, refMapFeatures('m', h), shape[2] * shape[3])
    }),
  )

  test('a constant patch has standard deviation √1e−6, not 0', async () => {
    const h: T4 = new Tensor(new Float32Array(2 * 1 * 4 * 4).fill(0.5), [2, 1, 4, 4], 'f32')
    const got = (await mapFeaturesOf.reference(h)) as Record<string, Tensor>
    for (const k of ['m_std', 'm_std2'])
      expectClose(values(got[k]), new Array(got[k].size).fill(1e-3), { rtol: 1e-12, atol: 0 }, k)
  })
})

describe('the feature set of an encoder', () => {
  /** Width 4, 3 stages of 3 blocks on 16×16 images: maps 16², 8², 4², and a second block in each stage. */
  const fixture = async (seed: number): Promise<{ params: EncoderParams; x: T4 }> => ({
    params: await initEncoder.run(randomKey(seed), 1, 4, 3, 3),
    x: tensor4([3, 1, 16, 16], rng(seed)),
  })

  test('keys, layouts and every statistic recomputed from the encoder blocks (float64)', () =>
    seeded(async (_r, seed) => {
      const { params, x } = await fixture(seed)
      const got = (await multiScaleFeatures.reference(params, x)) as Record<string, Tensor>
      const blocks = (await blocksOf.reference(params, x)) as T4[][]
      const want: Record<string, { shape: number[]; data: number[] }> = {}
      blocks.forEach((stage, s) => {
        Object.assign(want, refMapFeatures(`stage${s + 1}_block2`, stage[1]), refMapFeatures(`stage${s + 1}`, stage[2]))
      })
      const pixels = values(x)
      want.global = { shape: [1, 3, 256], data: pixels }
      const rms = [0, 1, 2].map((n) =>
        Math.sqrt(pixels.slice(n * 256, (n + 1) * 256).reduce((a, v) => a + v * v, 0) / 256 + STD_EPS),
      )
      want.norm_x = { shape: [1, 3, 1], data: rms }
      expect(Object.keys(got)).toContain('stage3_std2')
      expect(Object.keys(got)).not.toContain('stage3_std4')
      expectFeatures(got, want, 256)
    }))

  test('the gradient with respect to the images matches central finite differences (float64)', () =>
    seeded(async (r, seed) => {
      // what a generator trained through the features needs; a 2-stage encoder on 8×8 images keeps it short
      const params = await initEncoder.run(randomKey(seed), 1, 4, 2, 1)
      const x = tensor4([2, 1, 8, 8], r)
      const shapes = await multiScaleFeatures.reference(params, x)
      const weights = Object.fromEntries(
        Object.entries(shapes).map(([k, f]) => [
          k,
          new Tensor(Float32Array.from(randn([...f.shape], r).data), f.shape, 'f32'),
        ]),
      )
      const args = [params, x, weights]
      const specs = args.map((a, i) => argSpec(a, false, `arg${i}`))
      const file = rootPath('test/fixtures/mnist.ts')
      const err = gradientError(file, 'featuresWeighted', specs, args.flatMap(leaves), [1], seed, { all: 128 })
      expect(err).toBeLessThan(1e-6)
    }))

  test('compiled for wasm, every key matches the float64 interpreter per element', () =>
    seeded(async (_r, seed) => {
      const { params, x } = await fixture(seed)
      const { graph } = await multiScaleFeatures.lower(params, x)
      const [got, want] = [await multiScaleFeatures.run(params, x), await multiScaleFeatures.reference(params, x)]
      expectFloat32Run(graph, leaves(got), leaves(want), 'multiScaleFeatures')
    }))
})
