/**
 * The accepted-program corpus as data: each case names a DSL export under test/corpus/accepted
 * (or stdlib), its argument specs, a generator of random inputs and a hand-written float64
 * reference. Shared by corpus-accepted.test.ts (interpreter vs reference) and backends.test.ts
 * (compiled kernels vs interpreter).
 */
import { expect } from 'vitest'
import type { ArgSpec } from '../../compiler/frontend/specialize.js'
import type { NDArray } from '../../compiler/ir/ndarray.js'
import { EPS32, S, T, lower, randint, randn, rootPath, run, scalar, type Tolerance } from '../helpers.js'
import {
  type A,
  at,
  bcast,
  block,
  cdistR,
  conv2dR,
  foldInR,
  lseR,
  logSoftmaxR,
  make,
  map1,
  map2,
  matmul,
  maxR,
  meanR,
  minR,
  normalR,
  permute,
  reshapeR,
  size,
  softmaxR,
  sumR,
  transpose2,
  uniformR,
  zip,
} from './reference.js'

export type Rng = () => number

export interface Case {
  name: string
  /** Source file, relative to the repository root. */
  file: string
  fn: string
  /** Argument specs; a function when they depend on the seed (static seeds, options). */
  args: ArgSpec[] | ((r: Rng) => ArgSpec[])
  /** The flattened input leaves, in argument order. */
  inputs: (r: Rng) => NDArray[]
  /** The expected output leaves, computed in float64 with plain loops. */
  ref: (ins: A[], args: ArgSpec[]) => A[]
  /**
   * float32 bounds (f32 interpreter and compiled backends against the float64 reference) for the
   * outputs, by index, that need their own; the others take float32Tolerance (test/tolerance.ts).
   */
  tol32?: Record<number, Tolerance>
  /** Extra properties (statistics, determinism). */
  check?: (out: NDArray[], args: ArgSpec[]) => void
}

const C = (f: string) => `test/corpus/accepted/${f}.ts`
const obj = (fields: [string, ArgSpec][]): ArgSpec => ({ tag: 'object', fields })
const list = (items: ArgSpec[]): ArgSpec => ({ tag: 'array', items })
const fnRef = (file: string, exportName: string): ArgSpec => ({ tag: 'fn', ref: { file: rootPath(file), exportName } })
const staticOf = (spec: ArgSpec) => (spec.tag === 'static' ? spec.value : undefined)
const uniform = (r: Rng, lo: number, hi: number) => Math.fround(lo + (hi - lo) * r())
const i32 = (v: number): NDArray => ({ shape: [], dtype: 'i32', data: Int32Array.of(v) })
const mlpSpec = (d: number, h: number, o: number): ArgSpec =>
  obj([
    ['w1', T([d, h])],
    ['b1', T([h])],
    ['w2', T([h, o])],
    ['b2', T([o])],
  ])

// ---- small float64 building blocks the references share ----
const add = (a: A, b: A) => zip(a, b, (x, y) => x + y)
const sub = (a: A, b: A) => zip(a, b, (x, y) => x - y)
const mul = (a: A, b: A) => zip(a, b, (x, y) => x * y)
const div = (a: A, b: A) => zip(a, b, (x, y) => x / y)
const scale = (a: A, s: number) => map1(a, (v) => v * s)
const bool = (a: A, f: (v: number, k: number) => boolean) => map1(a, (v, k) => +f(v, k))
/** Batched [B,M,K] @ [B,K,N], batch by batch. */
function bmm(a: A, b: A): A {
  const [bs, m, k] = a.shape
  const n = b.shape[2]
  const out = new Float64Array(bs * m * n)
  for (let t = 0; t < bs; t++) {
    const at_ = { shape: [m, k], data: a.data.subarray(t * m * k, (t + 1) * m * k) }
    const bt = { shape: [k, n], data: b.data.subarray(t * k * n, (t + 1) * k * n) }
    out.set(matmul(at_, bt).data, t * m * n)
  }
  return { shape: [bs, m, n], data: out }
}
const gatherRows = (table: A, idx: A): A => {
  const row = size(table.shape.slice(1))
  return make(
    [...idx.shape, ...table.shape.slice(1)],
    (k) => table.data[idx.data[Math.floor(k / row)] * row + (k % row)],
  )
}
const softmaxWeighted = (logits: A, y: A) => matmul(softmaxR(logits, 1), y)
const gaussK = (x: A, y: A, h: number) => map1(cdistR(x, y, true), (d) => Math.exp(d / (-2 * h * h)))
const laplaceK = (x: A, y: A, h: number) => map1(cdistR(x, y), (d) => Math.exp(d / -h))
const meanShiftR = (k: A, x: A, y: A) => sub(div(matmul(k, y), sumR(k, [1], true)), x)
const mlpR = (w1: A, b1: A, w2: A, b2: A, x: A) => {
  const hidden = map1(add(matmul(x, w1), b1), (v) => Math.max(v, 0))
  return [add(matmul(hidden, w2), b2), hidden]
}

/** The paper's field, written from the algorithm: joint logits, two softmaxes, anti-symmetric weights. */
function paperFieldR(x: A, pos: A, neg: A, tau: number): A {
  const [n] = x.shape
  const p = pos.shape[0]
  const m = neg.shape[0]
  const dPos = cdistR(x, pos)
  const dNeg = map1(cdistR(x, neg), (v, k) => v + (Math.floor(k / m) === k % m ? 1e6 : 0))
  const logits = make([n, p + m], (k) => {
    const i = Math.floor(k / (p + m))
    const j = k % (p + m)
    return (j < p ? dPos.data[i * p + j] : dNeg.data[i * m + j - p]) / -tau
  })
  const a = map2(softmaxR(logits, 1), softmaxR(logits, 0), (u, v) => Math.sqrt(u * v))
  const aPos = block(a, 0, n, 0, p)
  const aNeg = block(a, 0, n, p, p + m)
  const wPos = mul(aPos, sumR(aNeg, [1], true))
  const wNeg = mul(aNeg, sumR(aPos, [1], true))
  return sub(matmul(wPos, pos), matmul(wNeg, neg))
}

function expectStats(name: string, v: ArrayLike<number>, mean: number, sd: number) {
  let s = 0
  let s2 = 0
  for (let i = 0; i < v.length; i++) {
    s += v[i]
    s2 += v[i] * v[i]
  }
  const m = s / v.length
  const sdGot = Math.sqrt(s2 / v.length - m * m)
  // 6 standard errors: a false alarm is far rarer than one in a million runs
  expect(Math.abs(m - mean), `${name} mean ${m}`).toBeLessThan((6 * sd) / Math.sqrt(v.length))
  expect(Math.abs(sdGot - sd), `${name} sd ${sdGot}`).toBeLessThan((6 * sd) / Math.sqrt(v.length))
}

const ACTIVATIONS: [string, boolean, (v: number) => number][] = [
  ['relu', false, (v) => Math.max(v, 0)],
  ['tanh', true, Math.tanh],
  ['silu', true, (v) => v * (1 + Math.exp(-v)) ** -1],
]

export const CASES: Case[] = [
  // ---- elementwise ----
  {
    name: 'elementwise/methods',
    file: C('elementwise'),
    fn: 'methods',
    args: [T([5, 4]), T([5, 4])],
    inputs: (r) => [randn([5, 4], r), randn([5, 4], r)],
    ref: ([x, y]) => {
      const pos = map1(y, (v) => Math.abs(v) + 0.5)
      return [
        add(x, y),
        sub(x, y),
        mul(x, y),
        div(x, pos),
        zip(pos, x, (a, b) => a ** b),
        zip(x, y, Math.max),
        zip(x, y, Math.min),
        map1(x, (v) => -v),
        map1(x, Math.exp),
        map1(pos, Math.log),
        map1(pos, Math.sqrt),
        map1(x, Math.abs),
      ]
    },
  },
  {
    name: 'elementwise/freeOps',
    file: C('elementwise'),
    fn: 'freeOps',
    args: [T([6, 5]), T([6, 5])],
    inputs: (r) => [randn([6, 5], r), randn([6, 5], r)],
    ref: ([x, y]) => {
      const pos = map1(y, (v) => Math.abs(v) + 0.25)
      return [
        map1(x, (v) => 2 - v),
        scale(x, 3),
        map1(pos, (v) => 1 / v),
        map1(pos, (v) => v ** 1.5),
        map1(x, (v) => 2 ** v),
        map1(x, (v) => Math.max(v, 0)),
        zip(x, y, Math.min),
        map1(x, (v) => -Math.exp(Math.min(v, 1))),
        map1(pos, Math.log),
        map1(pos, Math.sqrt),
        map1(x, (v) => v * v),
        map1(x, Math.sign),
        map1(x, (v) => Math.floor(2 * v)),
        map1(x, Math.ceil),
        map1(x, Math.tanh),
        map1(x, Math.sin),
        map1(y, Math.cos),
        map1(pos, Math.log1p),
        map1(x, (v) => Math.expm1(v / 2)),
        zip(x, y, Math.atan2),
        map1(x, (v) => (3 * v) % 2),
      ]
    },
  },
  {
    name: 'elementwise/compare',
    file: C('elementwise'),
    fn: 'compare',
    args: [T([6, 5]), T([6, 5])],
    inputs: (r) => [randn([6, 5], r), randn([6, 5], r)],
    ref: ([x, y]) => {
      const fx = map1(x, Math.floor)
      const fy = map1(y, Math.floor)
      const ys = y.data
      return [
        zip(x, y, (a, b) => (a > b ? a : 2 * b)),
        map1(x, (v) => (v < 0 ? 0 : v)),
        zip(x, y, (a, b) => (a < b ? -1 : 1.5)),
        zip(x, y, (a, b) => +(a <= b)),
        bool(x, (v) => v >= 0.5),
        zip(fx, fy, (a, b) => +(a === b)),
        zip(fx, fy, (a, b) => +(a !== b)),
        bool(x, (v, k) => v < ys[k] && ys[k] >= 0),
        bool(x, (v) => !(v <= -0.5 || v > 0.5)),
        map1(fx, (v, k) => +(v === 0) + +(fy.data[k] !== 0)),
      ]
    },
  },
  {
    name: 'elementwise/broadcasting',
    file: C('elementwise'),
    fn: 'broadcasting',
    args: [T([5, 4]), T([4]), T([5, 1]), T([])],
    inputs: (r) => [randn([5, 4], r), randn([4], r), randn([5, 1], r), scalar(uniform(r, -2, 2))],
    ref: ([x, row, col, s]) => {
      const sv = s.data[0]
      return [
        add(x, row),
        mul(row, x),
        scale(x, sv),
        map1(x, (v) => v + 2.5 - sv),
        sub(col, reshapeR(row, [1, 4])),
        mul(col, row),
        sub(x, meanR(x, [0])),
        map1(x, (v) => v / (sv * sv + 1)),
      ]
    },
  },
  // ---- reductions ----
  {
    name: 'reductions/sums',
    file: C('reductions'),
    fn: 'sums',
    args: [T([5, 4])],
    inputs: (r) => [randn([5, 4], r)],
    ref: ([x]) => [
      sumR(x),
      sumR(x, [0]),
      sumR(x, [1], true),
      sumR(x, [0, 1], true),
      meanR(x),
      meanR(x, [0], true),
      meanR(x, [1]),
      sumR(
        bool(x, (v) => v > 0),
        [1],
      ),
    ],
  },
  {
    name: 'reductions/extrema (rank 3)',
    file: C('reductions'),
    fn: 'extrema',
    args: [T([3, 4, 5])],
    inputs: (r) => [randn([3, 4, 5], r)],
    ref: ([x]) => [
      maxR(x, [0]),
      minR(x, [1], true),
      maxR(x, [0, 2]),
      minR(x, [2]),
      maxR(x),
      minR(x, [0, 1, 2], true),
      maxR(x, [2], true),
    ],
  },
  {
    name: 'reductions/logsumexp',
    file: C('reductions'),
    fn: 'logsumexps',
    args: [T([5, 4])],
    inputs: (r) => [randn([5, 4], r)],
    ref: ([x]) => [lseR(x, [0]), lseR(x, [1], true), lseR(x), lseR(scale(x, 40), [1]), lseR(x, [0, 1], true)],
  },
  {
    name: 'reductions/softmax and logSoftmax',
    file: C('reductions'),
    fn: 'softmaxes',
    args: [T([5, 7])],
    inputs: (r) => [randn([5, 7], r)],
    ref: ([x]) => [
      softmaxR(x, 0),
      softmaxR(x, 1),
      softmaxR(x, 1),
      logSoftmaxR(x, 1),
      logSoftmaxR(x, 0),
      softmaxR(scale(x, 50), 1),
    ],
    // probabilities keep float32's relative precision down to its smallest normal number (2^−126;
    // below it they flush to 0): exp of a rounded logit is off by at most |logit|·2^−24, which for
    // softmax(50x) (logits down to about −300) is under 128 ulps
    tol32: Object.fromEntries([0, 1, 2, 5].map((i) => [i, { rtol: 128 * EPS32, atol: 2 ** -126 }])),
  },
  {
    name: 'reductions/layerNorm',
    file: C('reductions'),
    fn: 'layerNorm',
    args: [T([6, 8]), T([8]), T([8])],
    inputs: (r) => [randn([6, 8], r, 3), randn([8], r), randn([8], r)],
    ref: ([x, g, b]) => {
      const [n, d] = x.shape
      return [
        make([n, d], (k) => {
          const i = Math.floor(k / d)
          let mu = 0
          for (let j = 0; j < d; j++) mu += at(x, i, j) / d
          let v = 0
          for (let j = 0; j < d; j++) v += (at(x, i, j) - mu) ** 2 / d
          return ((x.data[k] - mu) / Math.sqrt(v + 1e-5)) * g.data[k % d] + b.data[k % d]
        }),
      ]
    },
  },
  // ---- linear algebra ----
  {
    name: 'linalg/batched matmul (rank 3)',
    file: C('linalg'),
    fn: 'batched',
    args: [T([2, 3, 4]), T([2, 4, 5]), T([4, 5])],
    inputs: (r) => [randn([2, 3, 4], r), randn([2, 4, 5], r), randn([4, 5], r)],
    ref: ([a, b, w]) => {
      const ab = bmm(a, b)
      return [ab, bmm(a, bcast(reshapeR(w, [1, 4, 5]), [2, 4, 5])), sumR(ab, [0])]
    },
  },
  {
    name: 'linalg/cdist L2 and squared',
    file: C('linalg'),
    fn: 'distances',
    args: [T([5, 3]), T([6, 3])],
    inputs: (r) => [randn([5, 3], r), randn([6, 3], r)],
    ref: ([x, y]) => [cdistR(x, y), cdistR(x, y, true), cdistR(x, y, false, 0.25), cdistR(x, x)],
  },
  {
    name: 'linalg/gram (.T, transpose)',
    file: C('linalg'),
    fn: 'gram',
    args: [T([5, 3])],
    inputs: (r) => [randn([5, 3], r)],
    ref: ([x]) => [matmul(x, transpose2(x)), matmul(transpose2(x), x)],
  },
  {
    name: 'linalg/conv2d stride and padding',
    file: C('linalg'),
    fn: 'convs',
    args: [T([2, 3, 7, 6]), T([4, 3, 3, 3])],
    inputs: (r) => [randn([2, 3, 7, 6], r), randn([4, 3, 3, 3], r)],
    ref: ([x, w]) => [conv2dR(x, w, [1, 1], [0, 0]), conv2dR(x, w, [2, 2], [1, 1]), conv2dR(x, w, [1, 2], [0, 1])],
  },
  {
    name: 'linalg/kernel regression',
    file: C('linalg'),
    fn: 'kernelRegression',
    args: [T([5, 2]), T([8, 2]), T([8, 3]), T([])],
    inputs: (r) => [randn([5, 2], r), randn([8, 2], r), randn([8, 3], r), scalar(uniform(r, 0.5, 1.5))],
    ref: ([x, xs, ys, h]) => [
      softmaxWeighted(
        map1(cdistR(x, xs, true), (d) => d / (-2 * h.data[0] ** 2)),
        ys,
      ),
    ],
  },
  // ---- movement and creation ----
  {
    name: 'movement/reshape, transpose, expandDims, squeeze, broadcastTo',
    file: C('movement'),
    fn: 'reshapes',
    args: [T([4, 6]), T([2, 3, 5])],
    inputs: (r) => [randn([4, 6], r), randn([2, 3, 5], r)],
    ref: ([x, t]) => [
      reshapeR(x, [24]),
      reshapeR(x, [6, 4]),
      reshapeR(x, [2, 6, 2]),
      permute(t, [2, 0, 1]),
      permute(t, [0, 2, 1]),
      transpose2(x),
      transpose2(x),
      reshapeR(x, [1, 4, 6]),
      reshapeR(x, [4, 6, 1]),
      x,
      x,
      bcast(sumR(x, [0], true), [3, 6]),
    ],
  },
  {
    name: 'movement/slice and concat',
    file: C('movement'),
    fn: 'slicing',
    args: [T([6, 5])],
    inputs: (r) => [randn([6, 5], r)],
    ref: ([x]) => {
      const rows = (ids: number[]) => make([ids.length, 5], (k) => at(x, ids[Math.floor(k / 5)], k % 5))
      return [
        block(x, 1, 3, 0, 5),
        block(x, 0, 6, 3, 5),
        block(x, 0, 6, 2, 4),
        block(x, 4, 6, 0, 5),
        rows([0, 0, 1, 2, 3, 4, 5]),
        make([6, 12], (k) => {
          const i = Math.floor(k / 12)
          const j = k % 12
          return j < 5 ? at(x, i, j) : j < 10 ? 2 * at(x, i, j - 5) : at(x, i, j - 10)
        }),
        rows([0, 1, 3, 4, 5]),
      ]
    },
  },
  {
    name: 'movement/split (equal parts and points) and stack',
    file: C('movement'),
    fn: 'splits',
    args: [T([6, 8])],
    inputs: (r) => [randn([6, 8], r)],
    ref: ([x]) => {
      const [a, b, c] = [0, 2, 4].map((i) => block(x, i, i + 2, 0, 8))
      // stacked on a new leading axis, then that axis moved to `axis`
      const stackR = (parts: A[], axis: number): A =>
        permute(
          { shape: [parts.length, ...parts[0].shape], data: Float64Array.from(parts.flatMap((p) => [...p.data])) },
          axis === 0 ? [0, 1, 2] : axis === 1 ? [1, 0, 2] : [1, 2, 0],
        )
      return [
        stackR([a, b, c], 0),
        stackR([a, c], 1),
        stackR([b, c], 2),
        block(x, 0, 6, 0, 2),
        scale(block(x, 0, 6, 2, 5), 2),
        block(x, 0, 6, 5, 8),
        block(x, 0, 6, 4, 8),
      ]
    },
  },
  {
    name: 'movement/iota, eye, zeros, ones, full',
    file: C('movement'),
    fn: 'creation',
    args: [T([4, 5])],
    inputs: (r) => [randn([4, 5], r)],
    ref: ([x]) => {
      const eye = (n: number, m: number) => make([n, m], (k) => +(Math.floor(k / m) === k % m))
      return [
        map1(x, (v, k) => v * (k % 5)),
        make([4], (k) => k),
        make([4, 5], (k) => Math.floor(k / 5)),
        eye(4, 4),
        mul(eye(4, 5), x),
        x,
        map1(x, (v) => v + 1),
        map1(x, (v) => 2.5 - v),
        map1(x, () => 0),
        map1(x, () => 1),
        make([2], () => 7),
        add(x, eye(4, 5)),
        make([4, 5], (k) => k % 5),
      ]
    },
  },
  {
    name: 'movement/gather (i32 indices)',
    file: C('movement'),
    fn: 'gathers',
    args: [T([6, 3]), T([4], 'i32'), T([2, 3], 'i32'), T([6, 2, 2])],
    inputs: (r) => [randn([6, 3], r), randint([4], r, 6), randint([2, 3], r, 6), randn([6, 2, 2], r)],
    ref: ([table, idx, idx2, t3]) => [
      gatherRows(table, idx),
      gatherRows(table, idx2),
      sumR(gatherRows(table, idx), [0]),
      gatherRows(
        table,
        make([3], (k) => 2 * k),
      ),
      gatherRows(t3, idx2),
    ],
  },
  // ---- scalar lambdas ----
  {
    name: 'lambdas/map with a captured temperature',
    file: C('lambdas'),
    fn: 'mapTemp',
    args: [T([5, 4]), T([])],
    inputs: (r) => [randn([5, 4], r), scalar(uniform(r, 0.2, 2))],
    ref: ([x, tau]) => [
      map1(x, (v) => Math.exp(-(v * v) / tau.data[0])),
      map1(x, (v) => (v > 0 ? v : 0.1 * v)),
      map1(x, (v) => Math.tanh(3 * v) + Math.PI),
      map1(x, (v) => -v),
    ],
  },
  {
    name: 'lambdas/zipWith (ternary, broadcast, logic)',
    file: C('lambdas'),
    fn: 'zips',
    args: [T([5, 4]), T([5, 4]), T([4]), T([])],
    inputs: (r) => [randn([5, 4], r), randn([5, 4], r), randn([4], r), scalar(uniform(r, -1, 1))],
    ref: ([a, b, row, s]) => [
      zip(a, b, (x, y) => (x > y ? x - y : (y - x) * 0.5)),
      map1(a, (x, k) => x * row.data[k % 4] + s.data[0]),
      zip(a, b, (x, y) => +(x > 0 && y > 0)),
      zip(a, b, (x, y) => +(x < 0 || y < -0.5)),
    ],
  },
  {
    name: 'lambdas/generate from indices',
    file: C('lambdas'),
    fn: 'grids',
    args: [T([4, 5])],
    inputs: (r) => [randn([4, 5], r)],
    ref: ([x]) => {
      const ij = (f: (i: number, j: number) => number) => make([4, 5], (k) => f(Math.floor(k / 5), k % 5))
      return [
        ij((i, j) => +(i === j)),
        ij((i, j) => ((i + 1) ** 2 % 7) + j / (i + 1) - (j % 3)),
        make([4], (i) => Math.cos((i * Math.PI) / 4)),
        add(
          x,
          ij((i, j) => i * 5 + j),
        ),
        ij((i, j) => (i >= j ? 5 - j : -1)),
      ]
    },
  },
  {
    name: 'lambdas/reduce folds',
    file: C('lambdas'),
    fn: 'folds',
    args: [T([5, 6]), T([])],
    inputs: (r) => [randn([5, 6], r), scalar(uniform(r, 0.3, 0.9))],
    ref: ([x, decay]) => {
      const fold = (axis: number, f: (acc: number, v: number) => number, init: number) => {
        const [n, m] = x.shape
        const len = axis === 0 ? n : m
        return make([axis === 0 ? m : n], (o) => {
          let acc = init
          for (let t = 0; t < len; t++) acc = f(acc, axis === 0 ? at(x, t, o) : at(x, o, t))
          return acc
        })
      }
      return [
        fold(1, (acc, v) => acc + v * v, 0),
        fold(0, (acc, v) => Math.max(acc, Math.abs(v)), 0),
        fold(1, (acc, v) => acc * decay.data[0] + v, 0),
        fold(1, (acc, v) => acc + (v > 0 ? 1 : 0), 0),
        fold(0, Math.min, Infinity),
      ]
    },
  },
  {
    name: 'lambdas/scalar operators and Math.*',
    file: C('lambdas'),
    fn: 'scalarMath',
    args: [T([6, 5]), T([6, 5])],
    inputs: (r) => [randn([6, 5], r), randn([6, 5], r)],
    ref: ([x, y]) => [
      zip(x, y, (a, b) => {
        const s = a * a + b * b
        const r = Math.sqrt(s) - Math.abs(a) / (1 + Math.abs(b))
        const p = 2 ** (b / 4) + Math.abs(a) ** 1.5
        const q = Math.min(a, b) * Math.max(a, 0) + Math.sqrt(a * a + b * b) + Math.atan2(a, b)
        const t = Math.floor(a) + Math.ceil(b) + Math.log1p(Math.abs(b)) + Math.sin(a) * Math.cos(b) + Math.sign(b)
        const u = (a >= b ? 1 : -1) + (a !== b ? 0.5 : 0) + (a <= 0 ? Math.E : Math.SQRT2) + (a % 1)
        return r + p + q + t + u - Math.log2(1 + s)
      }),
    ],
  },
  {
    name: 'lambdas/named, builtin and imported functions as lambdas',
    file: C('lambdas'),
    fn: 'lambdaSources',
    args: [T([4, 5])],
    inputs: (r) => [randn([4, 5], r, 3)],
    ref: ([x]) => {
      const top = maxR(x).data[0]
      return [
        map1(x, (v) => v * v),
        map1(x, Math.abs),
        map1(x, (v) => (v > 20 ? v : Math.log1p(Math.exp(v)))),
        map1(x, (v) => top - v),
        map1(x, (v) => +!(v > 0)),
        map1(x, (v, k) => (k % 5) * v),
        make([4], () => 0 + 1 + 4 + 9 + 16),
      ]
    },
  },
  // ---- static control flow ----
  ...ACTIVATIONS.map(([kind, doubled, f]): Case => ({
    name: `control/if on a static string (${kind}, doubled=${doubled})`,
    file: C('control'),
    fn: 'activation',
    args: [T([5, 4]), S(kind), S(doubled)],
    inputs: (r) => [randn([5, 4], r)],
    ref: ([x]) => [map1(x, (v) => f(v) * (doubled ? 2 : 1))],
  })),
  {
    name: 'control/for…of over static temperatures',
    file: C('control'),
    fn: 'multiTemp',
    args: [T([5, 2]), T([7, 2])],
    inputs: (r) => [randn([5, 2], r), randn([7, 2], r)],
    ref: ([x, y]) => {
      const d = cdistR(x, y)
      const temps = [0.25, 0.5, 1, 2]
      const total = temps
        .map((t) =>
          softmaxR(
            map1(d, (v) => v / -t),
            1,
          ),
        )
        .reduce((a, b) => add(a, b))
      return [scale(total, 1 / temps.length)]
    },
  },
  {
    name: 'control/static for loop with a let accumulator',
    file: C('control'),
    fn: 'powerIteration',
    args: [T([5, 5]), T([5, 1]), S(6)],
    inputs: (r) => [randn([5, 5], r), randn([5, 1], r)],
    ref: ([a, v0]) => {
      let v = v0
      for (let i = 0; i < 6; i++) {
        v = matmul(a, v)
        let n = 0
        for (const e of v.data) n += e * e
        v = map1(v, (e) => e / Math.sqrt(n))
      }
      return [v]
    },
  },
  {
    name: 'control/break, continue, compound assignment',
    file: C('control'),
    fn: 'evenSeries',
    args: [T([4, 4]), S(6)],
    inputs: (r) => [randn([4, 4], r)],
    ref: ([x]) => [map1(x, (v) => 1 + v ** 2 / 2 + v ** 4 / 24 + v ** 6 / 720 + 6)],
  },
  {
    name: 'control/.map, .reduce, .filter on static arrays',
    file: C('control'),
    fn: 'staticArrays',
    args: [T([3, 4])],
    inputs: (r) => [randn([3, 4], r)],
    ref: ([x]) => {
      const f = [0.5, 1, 2].map((s) => map1(x, (v) => Math.tanh(s * v)))
      return [
        add(add(f[0], f[1]), f[2]),
        sub(f[2], f[0]),
        add(add(f[0], scale(f[1], 2)), scale(f[2], 3)),
        make([1], () => 2),
      ]
    },
  },
  {
    name: 'control/static recursion, default and rest parameters, nested function',
    file: C('control'),
    fn: 'helpers',
    args: [T([3, 4]), T([])],
    inputs: (r) => [randn([3, 4], r), scalar(uniform(r, -2, 2))],
    ref: ([x, tau]) => {
      let nested = x
      for (let d = 0; d < 3; d++) nested = map1(nested, (v) => Math.tanh(v) + 1)
      const t = tau.data[0] * 2 - 0.5
      return [nested, scale(x, 2), scale(x, 5), scale(x, t), map1(x, (v) => v + 6), scale(x, 3)]
    },
  },
  // ---- pytrees ----
  {
    name: 'pytrees/MLP {w1,b1,w2,b2} → {out, hidden}',
    file: C('pytrees'),
    fn: 'mlp',
    args: [mlpSpec(3, 8, 2), T([5, 3])],
    inputs: (r) => [randn([3, 8], r), randn([8], r), randn([8, 2], r), randn([2], r), randn([5, 3], r)],
    ref: ([w1, b1, w2, b2, x]) => mlpR(w1, b1, w2, b2, x),
  },
  {
    name: 'pytrees/SGD step with spread and rest destructuring',
    file: C('pytrees'),
    fn: 'sgdStep',
    args: [mlpSpec(3, 4, 2), mlpSpec(3, 4, 2), T([])],
    inputs: (r) => [
      ...[[3, 4], [4], [4, 2], [2], [3, 4], [4], [4, 2], [2]].map((s) => randn(s, r)),
      scalar(uniform(r, 0.01, 0.5)),
    ],
    ref: (ins) => [0, 1, 2, 3].map((i) => zip(ins[i], ins[i + 4], (p, g) => p - g * ins[8].data[0])),
  },
  {
    name: 'pytrees/nested layers array, stopGradient on a pytree',
    file: C('pytrees'),
    fn: 'deepNet',
    args: [
      obj([
        [
          'layers',
          list([
            obj([
              ['w', T([3, 4])],
              ['b', T([4])],
            ]),
            obj([
              ['w', T([4, 4])],
              ['b', T([4])],
            ]),
            obj([
              ['w', T([4, 2])],
              ['b', T([2])],
            ]),
          ]),
        ],
        ['scale', T([])],
      ]),
      T([5, 3]),
    ],
    inputs: (r) => [
      ...[[3, 4], [4], [4, 4], [4], [4, 2], [2]].map((s) => randn(s, r, 0.7)),
      scalar(uniform(r, -2, 2)),
      randn([5, 3], r),
    ],
    ref: ([w0, b0, w1, b1, w2, b2, s, x]) => {
      let h = x
      for (const [w, b] of [
        [w0, b0],
        [w1, b1],
        [w2, b2],
      ])
        h = map1(add(matmul(h, w), b), Math.tanh)
      return [scale(h, s.data[0]), sumR(map1(w0, (v) => v * v)), b2]
    },
  },
  // ---- entry points wrapping a named function ----
  {
    name: 'entries/dsl(g) of a function declaration',
    file: C('entries'),
    fn: 'logCoshDsl',
    args: [T([3, 4])],
    inputs: (r) => [randn([3, 4], r)],
    ref: ([x]) => [map1(x, (v) => Math.log(Math.cosh(v)))],
  },
  {
    name: 'entries/dsl(g) of a const arrow function',
    file: C('entries'),
    fn: 'halfSquareDsl',
    args: [T([3, 4])],
    inputs: (r) => [randn([3, 4], r)],
    ref: ([x]) => [map1(x, (v) => 0.5 * v * v)],
  },
  {
    name: 'entries/dsl(g) of an arrow function imported from another module',
    file: C('entries'),
    fn: 'laplaceDsl',
    args: [T([5, 2]), T([7, 2]), T([])],
    inputs: (r) => [randn([5, 2], r), randn([7, 2], r), scalar(uniform(r, 0.5, 1.5))],
    ref: ([x, y, h]) => [laplaceK(x, y, h.data[0])],
  },
  // ---- modules and function-valued arguments ----
  {
    name: 'modules/DSL function from another module (attention)',
    file: C('modules'),
    fn: 'selfAttention',
    args: [T([5, 4]), T([4, 3]), T([4, 3]), T([4, 2])],
    inputs: (r) => [randn([5, 4], r), randn([4, 3], r), randn([4, 3], r), randn([4, 2], r)],
    ref: ([x, wq, wk, wv]) => {
      const q = matmul(x, wq)
      const k = matmul(x, wk)
      return [softmaxWeighted(scale(matmul(q, transpose2(k)), 1 / Math.sqrt(3)), matmul(x, wv))]
    },
  },
  {
    name: 'modules/kernel function passed to a generic field (named and namespace imports)',
    file: C('modules'),
    fn: 'twoKernels',
    args: [T([5, 2]), T([7, 2]), T([])],
    inputs: (r) => [randn([5, 2], r), randn([7, 2], r), scalar(uniform(r, 0.5, 1.5))],
    ref: ([x, y, h]) => [meanShiftR(gaussK(x, y, h.data[0]), x, y), meanShiftR(laplaceK(x, y, h.data[0]), x, y)],
  },
  ...(['gaussian', 'laplace'] as const).map((kernel): Case => ({
    name: `modules/entry point with a function-valued argument (${kernel})`,
    file: C('modules'),
    fn: 'anyKernel',
    args: [fnRef(C('lib'), kernel), T([5, 2]), T([7, 2]), T([])],
    inputs: (r) => [randn([5, 2], r), randn([7, 2], r), scalar(uniform(r, 0.5, 1.5))],
    ref: ([x, y, h]) => [meanShiftR((kernel === 'gaussian' ? gaussK : laplaceK)(x, y, h.data[0]), x, y)],
  })),
  // ---- fields ----
  {
    name: 'fields/paperField (stdlib)',
    file: 'stdlib/fields/paper.ts',
    fn: 'paperField',
    args: [T([12, 2]), T([16, 2]), T([12, 2]), T([])],
    inputs: (r) => {
      const x = randn([12, 2], r)
      return [x, randn([16, 2], r), x, scalar(uniform(r, 0.05, 1))]
    },
    ref: ([x, pos, neg, tau]) => [paperFieldR(x, pos, neg, tau.data[0])],
  },
  {
    name: 'fields/attract minus repel, stopGradient',
    file: C('fields'),
    fn: 'attractRepel',
    args: [T([6, 2]), T([8, 2]), T([7, 2]), T([])],
    inputs: (r) => [randn([6, 2], r), randn([8, 2], r), randn([7, 2], r), scalar(uniform(r, 0.1, 1))],
    ref: ([x, pos, neg, tau]) => {
      const toward = (y: A) =>
        softmaxWeighted(
          map1(cdistR(x, y), (d) => d / -tau.data[0]),
          y,
        )
      const v = sub(toward(pos), toward(neg))
      return [v, add(x, v), v, x]
    },
  },
  // ---- random ----
  {
    name: 'random/randomKey, splitKey, foldIn, normal, uniform, randint',
    file: C('random'),
    fn: 'draws',
    args: (r) => [S(Math.floor(r() * 2 ** 31))],
    inputs: () => [],
    ref: (_, args) => {
      const key = (staticOf(args[0]) as number) | 0
      const k1 = foldInR(key, 0)
      const k2 = foldInR(key, 1)
      const normal = make([64, 64], (k) => normalR(k1, k))
      return [
        normal,
        make([4096], (k) => uniformR(foldInR(k2, 7), k) * 5 - 2),
        make([4096], (k) => 2 + Math.floor(uniformR(foldInR(key, 3), k) * 7)),
        make([16], (k) => uniformR(k2, k)),
        normal,
      ]
    },
    check: ([normal, unif, ints, unit], args) => {
      expectStats('randomNormal', normal.data, 0, 1)
      expectStats('randomUniform(-2, 3)', unif.data, 0.5, 5 / Math.sqrt(12))
      const counts = new Array<number>(7).fill(0)
      for (const v of ints.data) counts[v - 2]++
      for (const c of counts) expect(c, `randint bucket counts ${counts}`).toBeGreaterThan(4096 / 7 / 2)
      for (const v of unit.data) expect(v >= 0 && v < 1, `uniform ${v} in [0, 1)`).toBe(true)
      // deterministic in the seed, different for another seed
      const seed = staticOf(args[0]) as number
      const again = run(lower(rootPath(C('random')), 'draws', [S(seed)]), [])
      expect(Array.from(again[0].data)).toEqual(Array.from(normal.data))
      const other = run(lower(rootPath(C('random')), 'draws', [S(seed + 1)]), [])
      expect(Array.from(other[0].data)).not.toEqual(Array.from(normal.data))
    },
  },
  {
    name: 'random/noise from a traced key and step',
    file: C('random'),
    fn: 'noisy',
    args: [T([], 'i32'), T([5, 4]), T([]), T([], 'i32')],
    inputs: (r) => [
      i32((r() * 2 ** 32) | 0),
      randn([5, 4], r),
      scalar(uniform(r, 0.1, 2)),
      i32(Math.floor(r() * 1000)),
    ],
    ref: ([key, x, sigma, step]) => {
      const k = foldInR(key.data[0], step.data[0])
      return [map1(x, (v, i) => v + sigma.data[0] * normalR(k, i))]
    },
  },
]
