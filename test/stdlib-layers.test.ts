/**
 * The image and transformer layers of stdlib/nn (average pooling, global pooling, nearest
 * upsampling, attention, multi-head attention, GroupNorm, LayerNorm, RMSNorm): values against
 * plain float64 loops, gradients against central finite differences, and value and gradients
 * compiled for wasm against the float64 interpreter (per element: rtol 1e-4 with a floor of
 * 1e-2·max|reference|). Random inputs from the test's fixed seed; every failure names it (DRIFT_TEST_SEED=<n> replays it).
 */
import { describe, expect, test } from 'vitest'
import type { ArgSpec } from '../compiler/frontend/specialize.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { WasmRuntime, WASM_LIMITS } from '../compiler/backend/wasm/run.js'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { interpret } from '../compiler/ir/interpret.js'
import { expectClose, expectElementwise, lower, randn, rng, rootPath, run, S, T, testSeed } from './helpers.js'

/** float64 against plain float64 loops (same sums, another order): values of order 1, none numerically zero. */
const F64 = { rtol: 1e-12, atol: 1e-14 }
import { gradientError } from './gradcheck.js'

const NN = (f: string) => rootPath(`stdlib/nn/${f}.ts`)
const FIX = rootPath('test/fixtures/layers.ts')
const obj = (fields: [string, ArgSpec][]): ArgSpec => ({ tag: 'object', fields })
const normSpec = (c: number) =>
  obj([
    ['scale', T([c])],
    ['shift', T([c])],
  ])
const attnSpec = (d: number) =>
  obj([
    ['wq', T([d, d])],
    ['wk', T([d, d])],
    ['wv', T([d, d])],
    ['wo', T([d, d])],
  ])
const seeded = () => {
  const seed = testSeed()
  return { seed, r: rng(seed) }
}

// ---- float64 references ----
/** Average of size × size windows of [N, C, H, W] (the rows and columns past the last window dropped). */
function refAvgPool(x: NDArray, k: number): number[] {
  const [n, c, h, w] = x.shape
  const [oh, ow] = [Math.floor(h / k), Math.floor(w / k)]
  const out: number[] = []
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let s = 0
        for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) s += x.data[(p * h + i * k + a) * w + j * k + b]
        out.push(s / (k * k))
      }
  return out
}
function refUpsample(x: NDArray, f: number): number[] {
  const [n, c, h, w] = x.shape
  const out: number[] = []
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < h * f; i++)
      for (let j = 0; j < w * f; j++) out.push(x.data[(p * h + Math.floor(i / f)) * w + Math.floor(j / f)])
  return out
}
/** softmax(q kᵀ/√d) v for every leading index; q [.., T, d], k, v [.., S, d]. */
function refAttention(q: NDArray, k: NDArray, v: NDArray): number[] {
  const d = q.shape[q.shape.length - 1]
  const t = q.shape[q.shape.length - 2]
  const s = k.shape[k.shape.length - 2]
  const out: number[] = []
  for (let b = 0; b < q.data.length / (t * d); b++)
    for (let i = 0; i < t; i++) {
      const logits = Array.from({ length: s }, (_, j) => {
        let dot = 0
        for (let e = 0; e < d; e++) dot += q.data[(b * t + i) * d + e] * k.data[(b * s + j) * d + e]
        return dot / Math.sqrt(d)
      })
      const m = Math.max(...logits)
      const ws = logits.map((l) => Math.exp(l - m))
      const z = ws.reduce((a, c) => a + c, 0)
      for (let e = 0; e < d; e++) out.push(ws.reduce((acc, wj, j) => acc + (wj / z) * v.data[(b * s + j) * d + e], 0))
    }
  return out
}
/** x·W for x [rows, D] and W [D, E]. */
function matmul(x: ArrayLike<number>, w: NDArray, rows: number): number[] {
  const [d, e] = w.shape
  const out: number[] = []
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < e; j++) {
      let s = 0
      for (let i = 0; i < d; i++) s += x[r * d + i] * w.data[i * e + j]
      out.push(s)
    }
  return out
}
/** [B, T, H, dh] ↔ [B, H, T, dh]. */
function swapHeads(x: ArrayLike<number>, [b, t, h, dh]: number[]): number[] {
  const out = new Array<number>(b * t * h * dh)
  for (let i = 0; i < b; i++)
    for (let j = 0; j < t; j++)
      for (let k = 0; k < h; k++)
        for (let e = 0; e < dh; e++) out[((i * h + k) * t + j) * dh + e] = x[((i * t + j) * h + k) * dh + e]
  return out
}
function refMha(ws: NDArray[], x: NDArray, heads: number): number[] {
  const [b, t, d] = x.shape
  const dh = d / heads
  const split = (w: NDArray): NDArray => ({
    shape: [b, heads, t, dh],
    dtype: 'f32',
    data: Float64Array.from(swapHeads(matmul(x.data, w, b * t), [b, t, heads, dh])),
  })
  const [q, k, v] = ws.slice(0, 3).map(split)
  const heads4 = refAttention(q, k, v)
  // back to [B, T, H, dh]: the inverse of swapHeads on [B, H, T, dh] is swapHeads on [B, H, T, dh] read as [B, T', H', dh]
  const merged = new Array<number>(b * t * d)
  for (let i = 0; i < b; i++)
    for (let k2 = 0; k2 < heads; k2++)
      for (let j = 0; j < t; j++)
        for (let e = 0; e < dh; e++)
          merged[((i * t + j) * heads + k2) * dh + e] = heads4[((i * heads + k2) * t + j) * dh + e]
  return matmul(merged, ws[3], b * t)
}

describe('values against float64 loops', () => {
  test.each([
    [[2, 3, 6, 8], 2],
    [[1, 2, 7, 5], 2],
    [[2, 1, 9, 9], 3],
  ] as const)('avgPool2d of %j over %i×%i windows', (shape, k) => {
    const { seed, r } = seeded()
    const x = randn([...shape], r)
    const [y] = run(lower(NN('pool'), 'avgPool2d', [T([...shape]), S(k)]), [x])
    expect(y.shape).toEqual([shape[0], shape[1], Math.floor(shape[2] / k), Math.floor(shape[3] / k)])
    expectClose(y.data, refAvgPool(x, k), F64, `avgPool2d (seed ${seed})`)
  })

  test('globalAvgPool: the mean of every channel', () => {
    const { seed, r } = seeded()
    const x = randn([3, 4, 5, 6], r)
    const [y] = run(lower(NN('pool'), 'globalAvgPool', [T([3, 4, 5, 6])]), [x])
    expect(y.shape).toEqual([3, 4])
    const want = Array.from({ length: 12 }, (_, p) => {
      let s = 0
      for (let i = 0; i < 30; i++) s += x.data[p * 30 + i]
      return s / 30
    })
    expectClose(y.data, want, F64, `globalAvgPool (seed ${seed})`)
  })

  test.each([2, 3])('upsampleNearest by %i', (f) => {
    const { seed, r } = seeded()
    const x = randn([2, 3, 4, 5], r)
    const [y] = run(lower(NN('upsample'), 'upsampleNearest', [T([2, 3, 4, 5]), S(f)]), [x])
    expect(y.shape).toEqual([2, 3, 4 * f, 5 * f])
    expectClose(y.data, refUpsample(x, f), { rtol: 0, atol: 0 }, `upsampleNearest (seed ${seed})`)
  })

  test('attention over [B, H, T, d] with a different key length', () => {
    const { seed, r } = seeded()
    const [q, k, v] = [randn([2, 3, 5, 4], r), randn([2, 3, 7, 4], r), randn([2, 3, 7, 4], r)]
    const [y] = run(lower(NN('attention'), 'attention', [T(q.shape), T(k.shape), T(v.shape)]), [q, k, v])
    expect(y.shape).toEqual([2, 3, 5, 4])
    expectClose(y.data, refAttention(q, k, v), F64, `attention (seed ${seed})`)
  })

  test('multiHeadAttention with 4 heads', () => {
    const { seed, r } = seeded()
    const ws = [0, 1, 2, 3].map(() => randn([8, 8], r, 0.4))
    const x = randn([2, 5, 8], r)
    const [y] = run(lower(NN('attention'), 'multiHeadAttention', [attnSpec(8), T([2, 5, 8]), S(4)]), [...ws, x])
    expect(y.shape).toEqual([2, 5, 8])
    expectClose(y.data, refMha(ws, x, 4), F64, `multiHeadAttention (seed ${seed})`)
  })
})

/** Each loss: its argument specs, the shapes of its tensor inputs, and the arguments differentiated. */
interface Loss {
  name: string
  specs: ArgSpec[]
  shapes: number[][]
  wrt: number[]
  /** The valueAndGrad fixture of the same loss. */
  grads: string
}
const LOSSES: Loss[] = [
  {
    name: 'avgPoolLoss',
    specs: [T([2, 3, 6, 7]), T([2, 3, 3, 3])],
    shapes: [
      [2, 3, 6, 7],
      [2, 3, 3, 3],
    ],
    wrt: [0],
    grads: 'avgPoolGrads',
  },
  {
    name: 'globalPoolLoss',
    specs: [T([2, 3, 4, 5]), T([2, 3])],
    shapes: [
      [2, 3, 4, 5],
      [2, 3],
    ],
    wrt: [0],
    grads: 'globalPoolGrads',
  },
  {
    name: 'upsampleLoss',
    specs: [T([2, 3, 4, 5]), T([2, 3, 8, 10])],
    shapes: [
      [2, 3, 4, 5],
      [2, 3, 8, 10],
    ],
    wrt: [0],
    grads: 'upsampleGrads',
  },
  {
    name: 'attentionLoss',
    specs: [T([2, 2, 5, 4]), T([2, 2, 6, 4]), T([2, 2, 6, 4]), T([2, 2, 5, 4])],
    shapes: [
      [2, 2, 5, 4],
      [2, 2, 6, 4],
      [2, 2, 6, 4],
      [2, 2, 5, 4],
    ],
    wrt: [0, 1, 2],
    grads: 'attentionGrads',
  },
  {
    name: 'mhaLoss',
    specs: [attnSpec(8), T([2, 5, 8]), T([2, 5, 8]), S(2)],
    shapes: [
      [8, 8],
      [8, 8],
      [8, 8],
      [8, 8],
      [2, 5, 8],
      [2, 5, 8],
    ],
    wrt: [0, 1],
    grads: 'mhaGrads',
  },
  {
    name: 'groupNormLoss',
    specs: [normSpec(6), T([2, 6, 5, 3]), T([2, 6, 5, 3]), S(3)],
    shapes: [[6], [6], [2, 6, 5, 3], [2, 6, 5, 3]],
    wrt: [0, 1],
    grads: 'groupNormGrads',
  },
  {
    name: 'layerNormLoss',
    specs: [normSpec(6), T([2, 5, 6]), T([2, 5, 6])],
    shapes: [[6], [6], [2, 5, 6], [2, 5, 6]],
    wrt: [0, 1],
    grads: 'layerNormGrads',
  },
  {
    name: 'rmsNormLoss',
    specs: [obj([['scale', T([6])]]), T([2, 5, 6]), T([2, 5, 6])],
    shapes: [[6], [2, 5, 6], [2, 5, 6]],
    wrt: [0, 1],
    grads: 'rmsNormGrads',
  },
]
/** Normal inputs, the weight matrices of attention scaled by 1/√D so its logits stay near 1. */
const inputsOf = (l: Loss, r: () => number) =>
  l.shapes.map((s) => randn(s, r, s.length === 2 && s[0] === s[1] ? 0.35 : 1))

describe('gradients against central finite differences (float64)', () => {
  test.each(LOSSES)('$name', (l) => {
    const { seed, r } = seeded()
    expect(gradientError(FIX, l.name, l.specs, inputsOf(l, r), l.wrt, seed), `seed ${seed}`).toBeLessThan(1e-6)
  })
})

describe('value and gradients compiled for wasm equal the float64 interpreter', () => {
  const runtime = new WasmRuntime(2)
  test.each(LOSSES)('$grads', (l) => {
    const { seed, r } = seeded()
    const g = lower(FIX, l.grads, l.specs).graph
    const ins = inputsOf(l, r)
    const got = runtime.run(lowerGraph(g, {}, WASM_LIMITS).plan, ins)
    const want = interpret(g, ins, 'f64')
    want.forEach((w, i) => expectElementwise(got[i].data, w.data, 1e-4, 1e-2, `${l.grads} output ${i} (seed ${seed})`))
  })
})

describe('initAttention', () => {
  test('four [D, D] projections from four keys, standard deviation √(1 / D), deterministic per key', () => {
    const s = lower(NN('init'), 'initAttention', [T([], 'i32'), S(64)])
    const k = testSeed()
    const key = (v: number): NDArray => ({ shape: [], dtype: 'i32', data: Int32Array.of(v) })
    const ws = run(s, [key(k)])
    expect(ws.map((w) => w.shape)).toEqual([
      [64, 64],
      [64, 64],
      [64, 64],
      [64, 64],
    ])
    run(s, [key(k)]).forEach((w, i) => expect(Array.from(w.data), `key ${k}`).toEqual(Array.from(ws[i].data)))
    expect(Array.from(ws[0].data.slice(0, 64)), `key ${k}`).not.toEqual(Array.from(ws[1].data.slice(0, 64)))
    for (const w of ws) {
      const mean = Array.from(w.data).reduce((a, b) => a + b, 0) / w.data.length
      const std = Math.sqrt(Array.from(w.data).reduce((a, b) => a + (b - mean) ** 2, 0) / w.data.length)
      expect(Math.abs(std / Math.sqrt(1 / 64) - 1), `key ${k}`).toBeLessThan(0.05)
    }
  })
})
