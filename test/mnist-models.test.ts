/**
 * The image pipeline's networks (stdlib/mnist): the encoder's stages, widths and GroupNorm groups,
 * the decoder back to the image, the masked autoencoder's patch mask and loss, its training step
 * (the mask stream, AdamW at the warmed-up rate, the EMA with its warm-up), the LeNet classifier
 * and its step; losses against plain float64 computations, gradients against central finite
 * differences (float64), values and gradients compiled for wasm against the float64 interpreter
 * per element. Seeds are fixed; every failure names its seed.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { randomKey, setBackend, Tensor, type T4, type Vec } from '../dsl/index.js'
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
import { randn, rng, rootPath } from './helpers.js'
import { gradientError } from './gradcheck.js'
import { expectElementwise, maxAbs } from './elementwise.js'

beforeAll(() => setBackend('wasm'))

type Tree = Tensor | Tree[] | { [k: string]: Tree }
const tensor4 = (shape: number[], seed: number, scale = 1): T4 =>
  new Tensor(Float32Array.from(randn(shape, rng(seed), scale).data), shape as [number, number, number, number], 'f32')
const labelsOf = (n: number, seed: number, classes = 10): Vec<'i32'> => {
  const r = rng(seed)
  return new Tensor(
    Int32Array.from({ length: n }, () => Math.floor(r() * classes)),
    [n],
    'i32',
  )
}
const index = (i: number) => new Tensor(Int32Array.of(i), [] as [], 'i32')
const values = (t: { data: ArrayLike<number> }) => Array.from(t.data)
/** The tensors of a pytree in the compiler's flattening order. */
const leaves = (tree: unknown): NDArray[] => {
  const out: NDArray[] = []
  flattenInputs(tree, argSpec(tree, false, 'tree'), out)
  return out
}
/**
 * A loss and its gradient tree, element by element. The floor is relative to the largest gradient
 * anywhere in the tree: a bias or shift gradient is a sum over the whole batch that cancels to a
 * small value, and carries the float32 rounding of the backward pass's large terms.
 */
const expectValueAndGrads = (got: unknown, want: unknown, rtol: number, floor: number, what: string) => {
  const [g, w] = [leaves(got), leaves(want)]
  expect(g.length, `${what}: leaves`).toBe(w.length)
  expectElementwise(g[0].data, w[0].data, rtol, 0, `${what}: the loss`)
  const scale = Math.max(...w.slice(1).map((leaf) => maxAbs(leaf.data)))
  w.slice(1).forEach((leaf, i) => {
    expect(g[i + 1].shape, `${what} gradient leaf ${i}`).toEqual(leaf.shape)
    expectElementwise(g[i + 1].data, leaf.data, rtol, floor, `${what} gradient leaf ${i}`, scale)
  })
}

describe('encoder and decoder', () => {
  test('four stages: widths C, 2C, 4C, 8C on maps 32², 16², 8², 4²; projections only where the shape changes', async () => {
    const p = await initEncoder.run(randomKey(1), 1, 4, 4, 2)
    const maps = (await encode.run(p, tensor4([2, 1, 32, 32], 1))) as T4[]
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
    const d = await initDecoder.run(randomKey(1), 1, 4, 4)
    expect((await decode.run(d, maps[3])).shape).toEqual([2, 1, 32, 32])
  })

  test('GroupNorm groups: at least 4 channels each, at most 8 groups', () => {
    expect([2, 4, 8, 16, 32, 64, 256].map(groupsFor)).toEqual([1, 1, 2, 4, 8, 8, 8])
  })

  test('the initial weights are a function of the key', async () => {
    const [a, b, c] = [
      await initEncoder.run(randomKey(5), 1, 4, 2, 1),
      await initEncoder.run(randomKey(5), 1, 4, 2, 1),
      await initEncoder.run(randomKey(6), 1, 4, 2, 1),
    ]
    expect(values(a.stages[1][0].conv1.w)).toEqual(values(b.stages[1][0].conv1.w))
    expect(values(a.stages[1][0].conv1.w)).not.toEqual(values(c.stages[1][0].conv1.w))
    expect(values(a.stages[1][0].conv1.w)).not.toEqual(values(a.stages[1][0].conv2.w).slice(0, 4 * 8 * 9))
  })
})

describe('masked autoencoder', () => {
  const SEED = 31
  let params: MaeParams
  let x: T4
  beforeAll(async () => {
    // width 4, 2 stages on 16×16 images
    params = {
      encoder: await initEncoder.run(randomKey(SEED), 1, 4, 2, 1),
      decoder: await initDecoder.run(randomKey(SEED), 1, 4, 2),
    }
    x = tensor4([2, 1, 16, 16], SEED)
  })

  test('the mask: whole 2×2 patches, half of them, a function of (key, step)', async () => {
    const big = tensor4([64, 1, 32, 32], 0)
    const [m, again, next] = [
      await maskOf.run(randomKey(SEED), STREAMS.mask, index(3), big),
      await maskOf.run(randomKey(SEED), STREAMS.mask, index(3), big),
      await maskOf.run(randomKey(SEED), STREAMS.mask, index(4), big),
    ]
    const v = values(m)
    expect(v.every((u) => u === 0 || u === 1)).toBe(true)
    for (let n = 0; n < 64; n++)
      for (let i = 0; i < 32; i += 2)
        for (let j = 0; j < 32; j += 2) {
          const at = (a: number, b: number) => v[(n * 32 + i + a) * 32 + j + b]
          expect([at(0, 1), at(1, 0), at(1, 1)], `patch (${n}, ${i}, ${j})`).toEqual([at(0, 0), at(0, 0), at(0, 0)])
        }
    // 16 384 patches: the masked fraction is 0.5 ± 0.004 (one standard deviation); allow 4
    expect(Math.abs(v.reduce((a, u) => a + u, 0) / v.length - 0.5)).toBeLessThan(0.016)
    expect(values(again)).toEqual(v)
    expect(values(next)).not.toEqual(v)
  })

  test('the loss is the squared error per masked pixel, and the encoder sees the masked pixels as 0', async () => {
    const mask = await maskOf.run(randomKey(SEED), STREAMS.mask, index(0), x)
    const [loss] = (await maeGrads.reference(params, x, mask)) as unknown as [Tensor]
    const recon = await reconstruct.reference(params, x, mask)
    const m = values(mask)
    const want = values(recon).reduce((s, r, i) => s + m[i] * (r - x.data[i]) ** 2, 0) / m.reduce((a, b) => a + b, 0)
    expect(Math.abs(loss.item() - want)).toBeLessThan(1e-12 * want)
    // changing a masked pixel of the input changes nothing the encoder sees
    const masked = m.indexOf(1)
    const moved = new Tensor(
      Float32Array.from(x.data, (v, i) => (i === masked ? v + 5 : v)),
      x.shape,
      'f32',
    )
    expect(values(await reconstruct.reference(params, moved, mask))).toEqual(values(recon))
  })

  test('gradients match central finite differences (float64)', async () => {
    const mask = await maskOf.run(randomKey(SEED), STREAMS.mask, index(1), x)
    const args = [params, x, mask]
    const specs = args.map((a, i) => argSpec(a, false, `arg${i}`))
    const inputs = args.flatMap(leaves)
    const err = gradientError(rootPath('stdlib/mnist/mae.ts'), 'maeLoss', specs, inputs, [0], SEED, {
      all: 16,
      sample: 6,
    })
    expect(err, `seed ${SEED}`).toBeLessThan(1e-6)
  })

  test('compiled for wasm, the loss and every gradient match the float64 interpreter per element', async () => {
    const mask = await maskOf.run(randomKey(SEED), STREAMS.mask, index(2), x)
    const [got, want] = [await maeGrads.run(params, x, mask), await maeGrads.reference(params, x, mask)]
    expectValueAndGrads(got, want, 1e-4, 1e-2, `maeGrads (seed ${SEED})`)
  })

  test('a step: the mask of its step, AdamW at the warmed-up rate, the EMA with its warm-up (float64)', async () => {
    const hyper = { lr: 0.01, warmupSteps: 4, beta1: 0.9, beta2: 0.95, weightDecay: 0.1, emaDecay: 0.999 }
    const adam = (await adamInit.run(params)) as AdamState<MaeParams>
    const average = adam.m // zeros: the EMA's update is visible in full
    const out = await maeStep.reference(params, adam, average, x, randomKey(SEED), index(7), hyper)
    const [loss, grads] = (await maeGrads.reference(
      params,
      x,
      await maskOf.run(randomKey(SEED), STREAMS.mask, index(7), x),
    )) as [Tensor, MaeParams]
    expect(out.loss.item()).toBe(loss.item())
    // step 1 of Adam: m̂ = g, v̂ = g², so the direction is g/(|g| + ε); lr = 1e-6 + (0.01 − 1e-6)·1/4
    const lr = 1e-6 + (0.01 - 1e-6) / 4
    const decay = Math.min(0.999, 1 / 10)
    const [p, g, next, avg] = [leaves(params), leaves(grads), leaves(out.params), leaves(out.average)]
    p.forEach((leaf, i) => {
      const want = Array.from(leaf.data, (v, k) => v - lr * (g[i].data[k] / (Math.abs(g[i].data[k]) + 1e-8) + 0.1 * v))
      expectElementwise(next[i].data, want, 1e-9, 1e-6, `params leaf ${i}`)
      expectElementwise(
        avg[i].data,
        Array.from(next[i].data, (v) => (1 - decay) * v),
        1e-12,
        0,
        `average leaf ${i}`,
      )
    })
  })
})

describe('classifier', () => {
  const SEED = 41
  let params: ClassifierParams
  let x: T4
  let labels: Vec<'i32'>
  beforeAll(async () => {
    // 16×16 images: 16 → 12 → 6 → 2 → 1 (finalSide 1)
    params = await initClassifier.run(randomKey(SEED), 1, 16, 3, 4, 6, 10)
    x = tensor4([5, 1, 16, 16], SEED)
    labels = labelsOf(5, SEED)
  })

  test('LeNet shapes: 32 → 28 → 14 → 10 → 5; features [N, hidden] and logits [N, classes]', async () => {
    expect([finalSide(32), finalSide(16)]).toEqual([5, 1])
    const p = await initClassifier.run(randomKey(1), 1, 32, 6, 16, 84, 10)
    expect(p.hidden.w.shape).toEqual([16 * 25, 84])
    const out = await classify.run(p, tensor4([3, 1, 32, 32], 1))
    expect([out.features.shape, out.logits.shape]).toEqual([
      [3, 84],
      [3, 10],
    ])
    expect(values(out.features).every((v) => v >= 0)).toBe(true)
  })

  test('the cross-entropy is −log softmax at the label, averaged (float64)', async () => {
    const { logits } = await classify.reference(params, x)
    const got = (await crossEntropy.reference(logits, labels)).item()
    let want = 0
    for (let n = 0; n < 5; n++) {
      const row = values(logits).slice(n * 10, n * 10 + 10)
      const m = Math.max(...row)
      want += (Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) + m - row[labels.data[n]]) / 5
    }
    expect(Math.abs(got - want)).toBeLessThan(1e-12 * Math.abs(want))
  })

  test('gradients match central finite differences (float64)', () => {
    const args = [params, x, labels]
    const specs = args.map((a, i) => argSpec(a, false, `arg${i}`))
    const err = gradientError(
      rootPath('stdlib/mnist/classifier.ts'),
      'classifierLoss',
      specs,
      args.flatMap(leaves),
      [0],
      SEED,
      {
        all: 16,
        sample: 8,
      },
    )
    expect(err, `seed ${SEED}`).toBeLessThan(1e-6)
  })

  test('compiled for wasm, the loss and every gradient match the float64 interpreter per element', async () => {
    const [got, want] = [
      await classifierGrads.run(params, x, labels),
      await classifierGrads.reference(params, x, labels),
    ]
    expectValueAndGrads(got, want, 1e-4, 1e-2, `classifierGrads (seed ${SEED})`)
  })

  test('a step: AdamW at the warmup-then-cosine rate (float64)', async () => {
    const hyper = { lr: 0.01, warmupSteps: 2, totalSteps: 10, beta1: 0.9, beta2: 0.95, weightDecay: 0 }
    const adam = (await adamInit.run(params)) as AdamState<ClassifierParams>
    const out = await classifierStep.reference(params, adam, x, labels, hyper)
    const [loss, grads] = (await classifierGrads.reference(params, x, labels)) as [Tensor, ClassifierParams]
    expect(out.loss.item()).toBe(loss.item())
    // step 1: the warmup is at 1/2, the cosine still at 1
    const lr = 1e-6 + (0.01 - 1e-6) / 2
    const [p, g, next] = [leaves(params), leaves(grads), leaves(out.params)]
    p.forEach((leaf, i) => {
      const want = Array.from(leaf.data, (v, k) => v - (lr * g[i].data[k]) / (Math.abs(g[i].data[k]) + 1e-8))
      expectElementwise(next[i].data, want, 1e-9, 1e-6, `params leaf ${i}`)
    })
  })
})
