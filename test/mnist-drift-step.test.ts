/**
 * The image pipeline's training step (stdlib/mnist/driftStep.ts) and its classifier-free guidance
 * (stdlib/mnist/cfg.ts): the α prior against its closed-form distribution, the CFG weight, the
 * per-key drift problems against rows laid out by plain loops, and one whole step compiled for
 * wasm against the float64 interpreter, at a tiny size.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { randomKey, setBackend, Tensor, type T3, type Vec } from '../dsl/index.js'
import { argSpec, flattenInputs } from '../compiler/runtime/signature.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { CounterRng } from '../stdlib/data/counterRng.js'
import { driftLoss } from '../stdlib/fields/driftLoss.js'
import { adamInit } from '../stdlib/optim/adam.js'
import { ALPHA_PRIOR, alphaOf, cfgWeight, drawAlphas } from '../stdlib/mnist/cfg.js'
import { resolveDriftConfig } from '../stdlib/mnist/driftConfig.js'
import { driftStep, featureDriftLoss, type DriftVariant } from '../stdlib/mnist/driftStep.js'
import { initEncoder } from '../stdlib/mnist/encoder.js'
import { dsl } from '../dsl/index.js'
import { expectClose, randint, randn, seeded } from './helpers.js'
import { TINY_GENERATOR, tinyGeneratorParams } from './tinyGenerator.js'
import { GENERATORS, type GeneratorKind } from '../stdlib/mnist/generator.js'
import { expectFloat32Run } from './tolerance.js'

beforeAll(() => setBackend('wasm'))

const f32 = (a: NDArray) => new Tensor(Float32Array.from(a.data), a.shape, 'f32') as T3
const i32 = (a: NDArray) => new Tensor(Int32Array.from(a.data), a.shape, 'i32')
const leaves = (tree: unknown): NDArray[] => {
  const out: NDArray[] = []
  flattenInputs(tree, argSpec(tree, false, 'tree'), out)
  return out
}

describe('classifier-free guidance', () => {
  test('α follows p(α) ∝ α^−k on [1, 4]: the inverse CDF at its ends, and 20 000 draws against the CDF', () => {
    const prior = ALPHA_PRIOR
    expect(alphaOf(0, prior)).toBe(1)
    expect(alphaOf(1, prior)).toBeCloseTo(4, 12)
    const e = 1 - prior.power
    const cdf = (a: number) => (a ** e - 1) / (4 ** e - 1)
    const n = 20000
    const draws = Array.from(drawAlphas(new CounterRng(5, 0, 0), n)).sort((a, b) => a - b)
    // Kolmogorov–Smirnov: the largest CDF gap; 1.95/√n is its 0.1% critical value
    const gap = Math.max(...draws.map((a, i) => Math.max(Math.abs(cdf(a) - i / n), Math.abs(cdf(a) - (i + 1) / n))))
    expect(gap).toBeLessThan(1.95 / Math.sqrt(n))
    // and the prior really is skewed: the median of α^−3 on [1, 4] is 1/√(1 − ½·15/16) ≈ 1.372
    expect(Math.abs(draws[n / 2] - 1 / Math.sqrt(1 - 0.5 * (15 / 16)))).toBeLessThan(0.02)
  })

  test('k = 1 is log-uniform, k = 0 uniform; a no-CFG fraction sets that share of groups to α = 1', () => {
    const logUniform = { ...ALPHA_PRIOR, power: 1 }
    expect(alphaOf(0.5, logUniform)).toBeCloseTo(2, 12)
    const uniform = { ...ALPHA_PRIOR, power: 0 }
    for (const u of [0, 0.1, 0.5, 0.9]) expect(alphaOf(u, uniform)).toBeCloseTo(1 + 3 * u, 12)
    const draws = drawAlphas(new CounterRng(6, 0, 0), 10000, { ...ALPHA_PRIOR, noCfg: 0.3 })
    const unguided = draws.filter((a) => a === 1).length / draws.length
    expect(Math.abs(unguided - 0.3)).toBeLessThan(4 * Math.sqrt((0.3 * 0.7) / 10000))
    expect(draws.every((a) => a >= 1 && a <= 4)).toBe(true)
    // a fraction of 1 trains without guidance: every group at α = 1
    expect(drawAlphas(new CounterRng(6, 0, 0), 1000, { ...ALPHA_PRIOR, noCfg: 1 }).every((a) => a === 1)).toBe(true)
    expect(resolveDriftConfig({ noCfg: 1 }).noCfg).toBe(1)
    expect(() => resolveDriftConfig({ noCfg: 1.5 })).toThrow(/^noCfg must be a number in \[0, 1\], got 1\.5$/)
  })

  test('the unconditional negatives weigh w = (α − 1)(N_neg − 1)/N_unc', () => {
    expect(cfgWeight(1, 16, 8)).toBe(0)
    expect(cfgWeight(2.5, 16, 8)).toBe((1.5 * 15) / 8)
    expect(cfgWeight(3, 16, 0)).toBe(0)
  })
})

/** featureDriftLoss's loss on a one-key feature set, for the reference interpreter. */
const oneKeyLoss = dsl(
  (gen: T3, pos: T3, unc: T3, w: Vec) => featureDriftLoss({ k: gen }, { k: pos }, { k: unc }, w).loss,
)

describe('the drift problems of a feature key', () => {
  test('one problem per (location, class group), each group with its own CFG weight (float64)', () =>
    seeded(async (r) => {
      const [F, G, nNeg, nPos, nUnc, S] = [3, 2, 4, 3, 2, 5]
      const gen = f32(randn([F, G * nNeg, S], r))
      const pos = f32(randn([F, G * nPos, S], r))
      const unc = f32(randn([F, G * nUnc, S], r))
      const w = new Tensor(Float32Array.of(0.5, 2), [G], 'f32') as Vec
      // the same rows laid out by plain loops: row f·G + g holds location f of group g's samples
      const rows = (t: T3, n: number): T3 => {
        const out = new Float32Array(F * G * n * S)
        for (let f = 0; f < F; f++)
          for (let g = 0; g < G; g++)
            for (let i = 0; i < n; i++)
              for (let s = 0; s < S; s++)
                out[(((f * G + g) * n + i) * S + s) | 0] = t.data[(f * G * n + g * n + i) * S + s] as number
        return new Tensor(out, [F * G, n, S], 'f32') as T3
      }
      const rowW = new Tensor(
        Float32Array.from({ length: F * G }, (_, i) => w.data[i % G] as number),
        [F * G],
        'f32',
      ) as Vec
      const want = (await driftLoss.reference(rows(gen, nNeg), rows(unc, nUnc), rows(pos, nPos), rowW)) as {
        loss: Tensor
      }
      const got = (await oneKeyLoss.reference(gen, pos, unc, w)) as Tensor
      expectClose(got.data, want.loss.data, { rtol: 1e-12, atol: 0 }, 'loss')
    }))
})

const GENERATOR = TINY_GENERATOR
const [G, N_NEG, N_POS, N_UNC] = [2, 3, 3, 2]

/** A tiny step's inputs: a generator with its zero-initialized layers jittered, an encoder of 2 stages, a batch. */
async function stepInputs(r: () => number, kind: GeneratorKind) {
  const params = await tinyGeneratorParams(r, true, kind)
  const state = { params, adam: await adamInit.run(params as never), ema: params }
  const encoder = await initEncoder.run(randomKey(8), 1, 4, 2, 1)
  const side = GENERATOR.size
  const alphas = [1.5, 3]
  const batch = {
    noise: f32(randn([G * N_NEG, 1, side, side], r)),
    labels: new Tensor(
      Int32Array.from({ length: G * N_NEG }, (_, i) => [2, 0][Math.floor(i / N_NEG)]),
      [G * N_NEG],
      'i32',
    ),
    styles: i32(randint([G * N_NEG, GENERATOR.styles], r, GENERATOR.codebook)),
    alpha: new Tensor(
      Float32Array.from({ length: G * N_NEG }, (_, i) => alphas[Math.floor(i / N_NEG)]),
      [G * N_NEG],
      'f32',
    ),
    positives: f32(randn([G * N_POS, 1, side, side], r)),
    uncond: f32(randn([G * N_UNC, 1, side, side], r)),
    w: new Tensor(
      Float32Array.from(alphas, (a) => cfgWeight(a, N_NEG, N_UNC)),
      [G],
      'f32',
    ),
  }
  const s = (v: number) => new Tensor(Float32Array.of(v), [], 'f32')
  const hyper = {
    lr: s(1e-3),
    warmup: s(10),
    weightDecay: s(0.01),
    beta1: s(0.9),
    beta2: s(0.95),
    clip: s(2),
    emaDecay: s(0.999),
    alphaScale: s(1),
  }
  return [state, encoder, batch, hyper, kind] as const
}

describe.each(GENERATORS)('one training step of the %s generator', (kind) => {
  test(
    'compiled for wasm, the new state, loss, ‖V‖² per key and τ and gradient norm match the float64 interpreter',
    () =>
      seeded(async (r) => {
        const args = await stepInputs(r, kind)
        const { graph } = await driftStep.lower(...(args as never as Parameters<typeof driftStep.lower>))
        const got = await driftStep.run(...(args as never as Parameters<typeof driftStep.run>))
        const want = await driftStep.reference(...(args as never as Parameters<typeof driftStep.reference>))
        const norm = (want as unknown as { gradNorm: Tensor }).gradNorm.data[0] as number
        expect(Number.isFinite(norm) && norm > 0, `gradient norm ${norm}`).toBe(true)
        expectFloat32Run(graph, leaves(got), leaves(want), 'driftStep')
      }),
    600_000,
  )
})

describe('a loss variant in the step', () => {
  const convolutions = (g: { eqns: { prim: string }[] }) => g.eqns.filter((e) => e.prim.startsWith('conv2d')).length

  test(
    'pixels only (features global), softmax over the targets, 2× repulsion, τ = 0.05: no encoder (null), no convolution in the program, and the compiled step matches the float64 interpreter',
    () =>
      seeded(async (r) => {
        const [state, encoder, batch, hyper, kind] = await stepInputs(r, 'mlp')
        const variant: DriftVariant = {
          attraction: 1,
          repulsion: 2,
          normalize: 'row',
          temperatures: [0.05],
          affinityFloor: 1e-3,
          features: 'global',
        }
        type Args = Parameters<typeof driftStep.run>
        const args = [state, null, batch, hyper, kind, variant] as never as Args
        const { graph } = await driftStep.lower(...args)
        // the encoder runs on no image: the default step's program convolves, this one does not
        const official = await driftStep.lower(...([state, encoder, batch, hyper, kind] as never as Args))
        expect(convolutions(official.graph), 'convolutions of the default step').toBeGreaterThan(0)
        expect(convolutions(graph), 'convolutions of the pixels-only step').toBe(0)
        const got = await driftStep.run(...args)
        const want = await driftStep.reference(...args)
        const perT = (got as unknown as { perTemperature: Record<string, Tensor> }).perTemperature
        expect(Object.keys(perT)).toEqual(['global'])
        expect(perT.global.shape).toEqual([1])
        const norm = (want as unknown as { gradNorm: Tensor }).gradNorm.data[0] as number
        expect(Number.isFinite(norm) && norm > 0, `gradient norm ${norm}`).toBe(true)
        expectFloat32Run(graph, leaves(got), leaves(want), 'driftStep, pixels only')
      }),
    600_000,
  )
})
