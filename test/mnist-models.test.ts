/**
 * The image pipeline's networks (stdlib/mnist): the encoder's stages, widths and GroupNorm groups,
 * the decoder back to the image, the masked autoencoder's patch mask and loss, its training step
 * (the mask stream, AdamW at the warmed-up rate, the EMA with its warm-up), the LeNet classifier
 * and its step; losses against plain float64 computations, gradients against central finite
 * differences (float64), values and gradients compiled for wasm against the float64 interpreter
 * per element. Seeds are fixed per test (DRIFT_TEST_SEED replays another); every failure names its seed.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { randomKey, setBackend, Tensor, type DslFunction, type T4, type Vec } from '../dsl/index.js'
import { argSpec, flattenInputs } from '../compiler/runtime/signature.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { encode, groupsFor, initEncoder } from '../stdlib/mnist/encoder.js'
import { decode, initDecoder } from '../stdlib/mnist/decoder.js'
import { maeStep, maskOf, reconstruct, STREAMS, type MaeParams } from '../stdlib/mnist/mae.js'
import {
  classify,
  classifierStep,
  crossEntropy,
  finalSide,
  initClassifier,
  type ClassifierParams,
} from '../stdlib/mnist/classifier.js'
import { adamInit, type AdamState } from '../stdlib/optim/adam.js'
import { classifierGrads, maeGrads } from './fixtures/mnist.js'
import { EPS32, expectClose, maxAbs, randn, rootPath, seeded } from './helpers.js'
import { accumulationLengths } from './tolerance.js'
import { gradientError } from './gradcheck.js'

beforeAll(() => setBackend('wasm'))

const tensor4 = (shape: number[], r: () => number, scale = 1): T4 =>
  new Tensor(Float32Array.from(randn(shape, r, scale).data), shape as [number, number, number, number], 'f32')
const labelsOf = (n: number, r: () => number, classes = 10): Vec<'i32'> =>
  new Tensor(
    Int32Array.from({ length: n }, () => Math.floor(r() * classes)),
    [n],
    'i32',
  )
const index = (i: number) => new Tensor(Int32Array.of(i), [] as [], 'i32')
const values = (t: { data: ArrayLike<number> }) => Array.from(t.data)
/** The tensors of a pytree in the compiler's flattening order (the order of a graph's outputs). */
const leaves = (tree: unknown): NDArray[] => {
  const out: NDArray[] = []
  flattenInputs(tree, argSpec(tree, false, 'tree'), out)
  return out
}
const exact = { rtol: 1e-12, atol: 0 }

/**
 * A loss and its gradients compiled for wasm against the float64 interpreter, element by element:
 * 32 ulps of each element above a floor of 16·√L float32 roundings (test/tolerance.ts), where the
 * floor's scale is the largest gradient anywhere in the tree, not the leaf's own: a bias or
 * GroupNorm shift gradient is a sum over the whole batch that cancels to a value 1e3–1e4 times
 * smaller than its terms, and carries their rounding.
 */
async function expectGradsOnWasm<A extends unknown[]>(f: DslFunction<(...a: A) => unknown>, ...args: A) {
  const { graph } = await f.lower(...args)
  const [got, want] = [leaves(await f.run(...args)), leaves(await f.reference(...args))]
  const lengths = accumulationLengths(graph)
  expect(got.length).toBe(want.length)
  expectClose(got[0].data, want[0].data, { rtol: 32 * EPS32, atol: 0 }, 'the loss')
  const scale = Math.max(...want.slice(1).map((leaf) => maxAbs(leaf.data)))
  want.slice(1).forEach((leaf, i) => {
    const tol = { rtol: 32 * EPS32, atol: 16 * Math.sqrt(lengths[i + 1]) * EPS32 * scale }
    expectClose(got[i + 1].data, leaf.data, tol, `gradient leaf ${i} (L = ${lengths[i + 1]})`)
  })
}

describe('encoder and decoder', () => {
  test('four stages: widths C, 2C, 4C, 8C on maps 32², 16², 8², 4²; projections only where the shape changes', () =>
    seeded(async (r, seed) => {
      const p = await initEncoder.run(randomKey(seed), 1, 4, 4, 2)
      const maps = (await encode.run(p, tensor4([2, 1, 32, 32], r))) as T4[]
      expect(maps.map((m) => m.shape)).toEqual([
        [2, 4, 32, 32],
        [2, 8, 16, 16],
        [2, 16, 8, 8],
        [2, 32, 4, 4],
      ])
      expect(p.stages.map((s) => s.map((b) => 'proj' in b))).toEqual([
        [false, false],
        [true, false],
        [true, false],
        [true, false],
      ])
      const d = await initDecoder.run(randomKey(seed), 1, 4, 4)
      expect((await decode.run(d, maps[3])).shape).toEqual([2, 1, 32, 32])
    }))

  test('GroupNorm groups: at least 4 channels each, at most 8 groups', () => {
    expect([2, 4, 8, 16, 32, 64, 256].map(groupsFor)).toEqual([1, 1, 2, 4, 8, 8, 8])
  })

  test('the initial weights are a function of the key, each layer from its own', () =>
    seeded(async (_r, seed) => {
      const [a, b, c] = [
        await initEncoder.run(randomKey(seed), 1, 4, 2, 1),
        await initEncoder.run(randomKey(seed), 1, 4, 2, 1),
        await initEncoder.run(randomKey(seed + 1), 1, 4, 2, 1),
      ]
      expect(values(a.stages[1][0].conv1.w)).toEqual(values(b.stages[1][0].conv1.w))
      expect(values(a.stages[1][0].conv1.w)).not.toEqual(values(c.stages[1][0].conv1.w))
      expect(values(a.stages[1][0].conv1.w)).not.toEqual(values(a.stages[1][0].conv2.w).slice(0, 4 * 8 * 9))
    }))
})

describe('masked autoencoder', () => {
  /** Width 4, 2 stages on 16×16 images. */
  const fixture = async (seed: number, r: () => number): Promise<{ params: MaeParams; x: T4 }> => ({
    params: {
      encoder: await initEncoder.run(randomKey(seed), 1, 4, 2, 1),
      decoder: await initDecoder.run(randomKey(seed), 1, 4, 2),
    },
    x: tensor4([2, 1, 16, 16], r),
  })

  test('the mask: whole 2×2 patches, half of them, a function of (key, step)', () =>
    seeded(async (r, seed) => {
      const big = tensor4([64, 1, 32, 32], r)
      const [m, again, next] = [
        await maskOf.run(randomKey(seed), STREAMS.mask, index(3), big),
        await maskOf.run(randomKey(seed), STREAMS.mask, index(3), big),
        await maskOf.run(randomKey(seed), STREAMS.mask, index(4), big),
      ]
      const v = values(m)
      expect(v.every((u) => u === 0 || u === 1)).toBe(true)
      for (let n = 0; n < 64; n++)
        for (let i = 0; i < 32; i += 2)
          for (let j = 0; j < 32; j += 2) {
            const at = (a: number, b: number) => v[(n * 32 + i + a) * 32 + j + b]
            expect([at(0, 1), at(1, 0), at(1, 1)], `patch (${n}, ${i}, ${j})`).toEqual([at(0, 0), at(0, 0), at(0, 0)])
          }
      // 16 384 patches: the masked fraction is 0.5 with a standard deviation of 0.0039; allow 4
      expect(Math.abs(v.reduce((a, u) => a + u, 0) / v.length - 0.5)).toBeLessThan(0.016)
      expect(values(again)).toEqual(v)
      expect(values(next)).not.toEqual(v)
    }))

  test('the loss is the squared error per masked pixel, and the encoder sees the masked pixels as 0', () =>
    seeded(async (r, seed) => {
      const { params, x } = await fixture(seed, r)
      const mask = await maskOf.run(randomKey(seed), STREAMS.mask, index(0), x)
      const [loss] = (await maeGrads.reference(params, x, mask)) as unknown as [Tensor]
      const recon = await reconstruct.reference(params, x, mask)
      const m = values(mask)
      const sq = values(recon).reduce((s, v, i) => s + m[i] * (v - x.data[i]) ** 2, 0)
      expectClose([loss.item()], [sq / m.reduce((a, b) => a + b, 0)], exact, 'loss')
      // changing a masked pixel of the input changes nothing the encoder sees
      const masked = m.indexOf(1)
      const moved: T4 = new Tensor(
        Float32Array.from(x.data, (v, i) => (i === masked ? v + 5 : v)),
        x.shape,
        'f32',
      )
      expect(values(await reconstruct.reference(params, moved, mask))).toEqual(values(recon))
    }))

  test('gradients match central finite differences (float64)', () =>
    seeded(async (r, seed) => {
      const { params, x } = await fixture(seed, r)
      const mask = await maskOf.run(randomKey(seed), STREAMS.mask, index(1), x)
      const args = [params, x, mask]
      const specs = args.map((a, i) => argSpec(a, false, `arg${i}`))
      const file = rootPath('stdlib/mnist/mae.ts')
      const err = gradientError(file, 'maeLoss', specs, args.flatMap(leaves), [0], seed, { all: 16, sample: 6 })
      expect(err).toBeLessThan(1e-6)
    }))

  test('compiled for wasm, the loss and every gradient match the float64 interpreter per element', () =>
    seeded(async (r, seed) => {
      const { params, x } = await fixture(seed, r)
      await expectGradsOnWasm(maeGrads, params, x, await maskOf.run(randomKey(seed), STREAMS.mask, index(2), x))
    }))

  test('a step: the mask of its step, AdamW at the warmed-up rate, the EMA with its warm-up (float64)', () =>
    seeded(async (r, seed) => {
      const { params, x } = await fixture(seed, r)
      const hyper = { lr: 0.01, warmupSteps: 4, beta1: 0.9, beta2: 0.95, weightDecay: 0.1, emaDecay: 0.999 }
      const adam = (await adamInit.run(params)) as AdamState<MaeParams>
      const average = adam.m // zeros: the EMA's update shows in full
      const out = await maeStep.reference(params, adam, average, x, randomKey(seed), index(7), hyper)
      const mask = await maskOf.run(randomKey(seed), STREAMS.mask, index(7), x)
      const [loss, grads] = (await maeGrads.reference(params, x, mask)) as [Tensor, MaeParams]
      expectClose([out.loss.item()], [loss.item()], exact, 'loss')
      // Adam's first step: m̂ = g, v̂ = g², a direction g/(|g| + ε); the warmup's lr at step 1 of 4
      // (host numbers reach the float64 interpreter as they are, not rounded to float32)
      const lr = 1e-6 + (0.01 - 1e-6) / 4
      const decay = 1 / 10 // min(0.999, (1 + 0)/(10 + 0))
      const [p, g, next, avg] = [leaves(params), leaves(grads), leaves(out.params), leaves(out.average)]
      p.forEach((leaf, i) => {
        const want = Array.from(
          leaf.data,
          (v, k) => v - lr * (g[i].data[k] / (Math.abs(g[i].data[k]) + 1e-8) + 0.1 * v),
        )
        expectClose(next[i].data, want, { rtol: 1e-12, atol: 1e-15 }, `params leaf ${i}`)
        expectClose(
          avg[i].data,
          Array.from(next[i].data, (v) => (1 - decay) * v),
          exact,
          `average leaf ${i}`,
        )
      })
    }))
})

describe('classifier', () => {
  /** 16×16 images: 16 → 12 → 6 → 2 → 1 (finalSide 1); widths 3, 4, 6. */
  const fixture = async (seed: number, r: () => number) => ({
    params: await initClassifier.run(randomKey(seed), 1, 16, 3, 4, 6, 10),
    x: tensor4([5, 1, 16, 16], r),
    labels: labelsOf(5, r),
  })

  test('LeNet shapes: 32 → 28 → 14 → 10 → 5; features [N, hidden] (ReLU) and logits [N, classes]', () =>
    seeded(async (r, seed) => {
      expect([finalSide(32), finalSide(16)]).toEqual([5, 1])
      const p = await initClassifier.run(randomKey(seed), 1, 32, 6, 16, 84, 10)
      expect(p.hidden.w.shape).toEqual([16 * 25, 84])
      const out = await classify.run(p, tensor4([3, 1, 32, 32], r))
      expect([out.features.shape, out.logits.shape]).toEqual([
        [3, 84],
        [3, 10],
      ])
      expect(values(out.features).every((v) => v >= 0)).toBe(true)
    }))

  test('the cross-entropy is −log softmax at the label, averaged (float64)', () =>
    seeded(async (r, seed) => {
      const { params, x, labels } = await fixture(seed, r)
      const { logits } = await classify.reference(params, x)
      const got = (await crossEntropy.reference(logits, labels)).item()
      let want = 0
      for (let n = 0; n < 5; n++) {
        const row = values(logits).slice(n * 10, n * 10 + 10)
        const m = Math.max(...row)
        want += (Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) + m - row[labels.data[n]]) / 5
      }
      expectClose([got], [want], exact, 'cross-entropy')
    }))

  test('gradients match central finite differences (float64)', () =>
    seeded(async (r, seed) => {
      const { params, x, labels } = await fixture(seed, r)
      const args = [params, x, labels]
      const specs = args.map((a, i) => argSpec(a, false, `arg${i}`))
      const file = rootPath('stdlib/mnist/classifier.ts')
      const err = gradientError(file, 'classifierLoss', specs, args.flatMap(leaves), [0], seed, { all: 16, sample: 8 })
      expect(err).toBeLessThan(1e-6)
    }))

  test('compiled for wasm, the loss and every gradient match the float64 interpreter per element', () =>
    seeded(async (r, seed) => {
      const { params, x, labels } = await fixture(seed, r)
      await expectGradsOnWasm(classifierGrads, params, x, labels)
    }))

  test('a step: AdamW at the warmup-then-cosine rate (float64)', () =>
    seeded(async (r, seed) => {
      const { params, x, labels } = await fixture(seed, r)
      const hyper = { lr: 0.01, warmupSteps: 2, totalSteps: 10, beta1: 0.9, beta2: 0.95, weightDecay: 0 }
      const adam = (await adamInit.run(params)) as AdamState<ClassifierParams>
      const out = await classifierStep.reference(params, adam, x, labels, hyper)
      const [loss, grads] = (await classifierGrads.reference(params, x, labels)) as [Tensor, ClassifierParams]
      expectClose([out.loss.item()], [loss.item()], exact, 'loss')
      // step 1: the warmup is at 1/2, the cosine still at 1
      const lr = 1e-6 + (0.01 - 1e-6) / 2
      const [p, g, next] = [leaves(params), leaves(grads), leaves(out.params)]
      p.forEach((leaf, i) => {
        const want = Array.from(leaf.data, (v, k) => v - (lr * g[i].data[k]) / (Math.abs(g[i].data[k]) + 1e-8))
        expectClose(next[i].data, want, { rtol: 1e-12, atol: 1e-15 }, `params leaf ${i}`)
      })
    }))
})
