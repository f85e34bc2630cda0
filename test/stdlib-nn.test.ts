/**
 * stdlib/nn: every layer against a hand-written float64 reference (plain loops) on seeded random
 * inputs; gradients of MLP, conv + ResNet block and normalization losses against central finite
 * differences; initializers (determinism per key, shapes, fan-in standard deviations).
 */
import { describe, expect, test } from 'vitest'
import type { ArgSpec } from '../compiler/frontend/specialize.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { expectClose, lower, randint, randn, rng, rootPath, run, S, seeded, T } from './helpers.js'
import { gradientError as gradientErrorIn } from './gradcheck.js'
import { expectFloat64Output } from './tolerance.js'

const NN = (f: string) => rootPath(`stdlib/nn/${f}.ts`)
const FIX = rootPath('test/fixtures/nn.ts')
const obj = (fields: [string, ArgSpec][]): ArgSpec => ({ tag: 'object', fields })
const arr = (items: ArgSpec[]): ArgSpec => ({ tag: 'array', items })
const fnArg = (exportName: string): ArgSpec => ({ tag: 'fn', ref: { file: NN('activations'), exportName } })
const linSpec = (i: number, o: number) =>
  obj([
    ['w', T([i, o])],
    ['b', T([o])],
  ])
const normSpec = (c: number) =>
  obj([
    ['scale', T([c])],
    ['shift', T([c])],
  ])
const convSpec = (o: number, i: number, k: number) =>
  obj([
    ['w', T([o, i, k, k])],
    ['b', T([o])],
  ])
const key = (k: number): NDArray => ({ shape: [], dtype: 'i32', data: Int32Array.of(k) })

// ---- float64 references: plain loops over row-major arrays ----
type A = { shape: number[]; data: ArrayLike<number> }
const nd = (shape: number[], data: ArrayLike<number>): A => ({ shape, data })
const mapA = (x: A, f: (v: number, k: number) => number): A => nd(x.shape, Array.from(x.data, f))
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v))
const ACT: Record<string, (v: number) => number> = {
  relu: (v) => Math.max(v, 0),
  silu: (v) => v * sigmoid(v),
  gelu: (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
}
/** x [..., K] · W [K, N] + b [N]. */
function refLinear(x: A, w: A, b: A): A {
  const [K, N] = w.shape
  const rows = x.data.length / K
  const out = new Float64Array(rows * N)
  for (let r = 0; r < rows; r++)
    for (let n = 0; n < N; n++) {
      let s = b.data[n]
      for (let k = 0; k < K; k++) s += x.data[r * K + k] * w.data[k * N + n]
      out[r * N + n] = s
    }
  return nd([...x.shape.slice(0, -1), N], out)
}
/** Normalize consecutive groups of `len` values: (v − μ)/√(σ² + ε) (or v/√(mean v² + ε) when rms). */
function refNormalize(x: A, len: number, eps: number, rms = false): Float64Array {
  const out = new Float64Array(x.data.length)
  for (let g = 0; g < x.data.length / len; g++) {
    let mu = 0
    for (let i = 0; i < len; i++) mu += x.data[g * len + i] / len
    if (rms) mu = 0
    let v = 0
    for (let i = 0; i < len; i++) v += (x.data[g * len + i] - mu) ** 2 / len
    for (let i = 0; i < len; i++) out[g * len + i] = (x.data[g * len + i] - mu) / Math.sqrt(v + eps)
  }
  return out
}
function refGroupNorm(x: A, scale: A, shift: A, groups: number, eps = 1e-5): A {
  const [, C, H, W] = x.shape
  const normed = refNormalize(x, (C / groups) * H * W, eps)
  return mapA(
    x,
    (_v, k) => normed[k] * scale.data[Math.floor(k / (H * W)) % C] + shift.data[Math.floor(k / (H * W)) % C],
  )
}
/** NCHW convolution with OIHW kernel, zero padding, plus bias. */
function refConv(x: A, w: A, b: A, stride: number, pad: number): A {
  const [N, C, H, W] = x.shape
  const [O, , KH, KW] = w.shape
  const OH = Math.floor((H + 2 * pad - KH) / stride) + 1
  const OW = Math.floor((W + 2 * pad - KW) / stride) + 1
  const out = new Float64Array(N * O * OH * OW)
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let s = b.data[o]
          for (let c = 0; c < C; c++)
            for (let u = 0; u < KH; u++)
              for (let v = 0; v < KW; v++) {
                const y = i * stride - pad + u
                const z = j * stride - pad + v
                if (y >= 0 && y < H && z >= 0 && z < W)
                  s += x.data[((n * C + c) * H + y) * W + z] * w.data[((o * C + c) * KH + u) * KW + v]
              }
          out[((n * O + o) * OH + i) * OW + j] = s
        }
  return nd([N, O, OH, OW], out)
}
const relu = (x: A) => mapA(x, ACT.relu)
const addA = (a: A, b: A) => mapA(a, (v, k) => v + b.data[k])

/** Random NDArrays for a list of shapes. */
const draw = (r: () => number, shapes: number[][], scale = 1) => shapes.map((s) => randn(s, r, scale))

// Layers run in float64 against their loops within test/tolerance.ts's float64 bound: 1e-12 of each
// element, above √L float64 roundings of the output's largest (a sum of L terms that cancels).
describe('layers match float64 references (seeded random inputs)', () => {
  test('relu, silu, gelu (tanh approximation)', () =>
    seeded((r) => {
      const x = randn([5, 7], r, 3)
      for (const name of ['relu', 'silu', 'gelu']) {
        const s = lower(NN('activations'), name, [T([5, 7])])
        expectFloat64Output(s.graph, 0, run(s, [x])[0].data, Array.from(x.data, ACT[name]), name)
      }
    }))

  test('linear on a matrix and on a batch of matrices', () =>
    seeded((r) => {
      const [w, b] = draw(r, [[4, 5], [5]])
      for (const xs of [
        [3, 4],
        [2, 3, 4],
      ]) {
        const x = randn(xs, r)
        const s = lower(NN('linear'), 'linear', [linSpec(4, 5), T(xs)])
        const [y] = run(s, [w, b, x])
        const want = refLinear(x, w, b)
        expect(y.shape).toEqual(want.shape)
        expectFloat64Output(s.graph, 0, y.data, want.data, `linear ${xs}`)
      }
    }))

  test.each(['silu', 'relu', 'gelu'])('MLP 4 → 8 → 8 → 3 with %s passed as a function argument', (act) =>
    seeded((r) => {
      const sizes = [4, 8, 8, 3]
      const params = sizes.slice(1).flatMap((o, i) => draw(r, [[sizes[i], o], [o]], 0.5))
      const x = randn([6, 4], r)
      const specs = [arr(sizes.slice(1).map((o, i) => linSpec(sizes[i], o))), T([6, 4]), fnArg(act)]
      const s = lower(NN('mlp'), 'mlp', specs)
      const [y] = run(s, [...params, x])
      let h: A = x
      for (let l = 0; l < 3; l++) {
        h = refLinear(h, params[2 * l], params[2 * l + 1])
        if (l < 2) h = mapA(h, ACT[act])
      }
      expectFloat64Output(s.graph, 0, y.data, h.data, `mlp ${act}`)
    }),
  )

  test('RMSNorm and LayerNorm over the last axis', () =>
    seeded((r) => {
      const x = randn([2, 3, 6], r, 2)
      const [scale, shift] = draw(r, [[6], [6]])
      const rms = lower(NN('rmsNorm'), 'rmsNorm', [obj([['scale', T([6])]]), T([2, 3, 6])])
      const rmsRef = refNormalize(x, 6, 1e-6, true)
      const rmsWant = Array.from(rmsRef, (v, k) => v * scale.data[k % 6])
      expectFloat64Output(rms.graph, 0, run(rms, [scale, x])[0].data, rmsWant, 'rmsNorm')
      const ln = lower(NN('layerNorm'), 'layerNorm', [normSpec(6), T([2, 3, 6]), S(1e-3)])
      const lnRef = refNormalize(x, 6, 1e-3)
      const lnWant = Array.from(lnRef, (v, k) => v * scale.data[k % 6] + shift.data[k % 6])
      expectFloat64Output(ln.graph, 0, run(ln, [scale, shift, x])[0].data, lnWant, 'layerNorm')
    }))

  test('GroupNorm on NCHW with 3 groups of 2 channels', () =>
    seeded((r) => {
      const x = randn([2, 6, 3, 4], r, 2)
      const [scale, shift] = draw(r, [[6], [6]])
      const s = lower(NN('groupNorm'), 'groupNorm', [normSpec(6), T([2, 6, 3, 4]), S(3)])
      const want = refGroupNorm(x, scale, shift, 3).data
      expectFloat64Output(s.graph, 0, run(s, [scale, shift, x])[0].data, want, 'groupNorm')
    }))

  test('conv layer with stride 2 and padding 1', () =>
    seeded((r) => {
      const [x, w, b] = draw(r, [[2, 3, 7, 6], [4, 3, 3, 3], [4]])
      const s = lower(NN('conv'), 'convLayer', [convSpec(4, 3, 3), T([2, 3, 7, 6]), S(2), S(1)])
      const [y] = run(s, [w, b, x])
      const want = refConv(x, w, b, 2, 1)
      expect(y.shape).toEqual(want.shape)
      expectFloat64Output(s.graph, 0, y.data, want.data, 'conv')
    }))

  describe('ResNet basic block', () => {
    const block = (cin: number, cout: number, proj: boolean) =>
      obj([
        ['conv1', convSpec(cout, cin, 3)],
        ['norm1', normSpec(cout)],
        ['conv2', convSpec(cout, cout, 3)],
        ['norm2', normSpec(cout)],
        ...(proj
          ? ([
              [
                'proj',
                obj([
                  ['conv', convSpec(cout, cin, 1)],
                  ['norm', normSpec(cout)],
                ]),
              ],
            ] as [string, ArgSpec][])
          : []),
      ])
    test.each([
      ['identity skip (4 → 4, stride 1)', 4, 4, 1],
      ['1×1 projection (3 → 4, stride 2)', 3, 4, 2],
      ['1×1 projection (4 → 6 channels, stride 1)', 4, 6, 1],
    ])('%s', (_name, cin, cout, stride) =>
      seeded((r) => {
        const proj = stride !== 1 || cin !== cout
        const shapes = [
          [cout, cin, 3, 3],
          [cout],
          [cout],
          [cout],
          [cout, cout, 3, 3],
          [cout],
          [cout],
          [cout],
          ...(proj ? [[cout, cin, 1, 1], [cout], [cout], [cout]] : []),
        ]
        const p = draw(r, shapes, 0.4)
        const x = randn([2, cin, 6, 6], r)
        const s = lower(NN('resnetBlock'), 'basicBlock', [block(cin, cout, proj), T([2, cin, 6, 6]), S(stride), S(2)])
        const [y] = run(s, [...p, x])
        const h = relu(refGroupNorm(refConv(x, p[0], p[1], stride, 1), p[2], p[3], 2))
        const main = refGroupNorm(refConv(h, p[4], p[5], 1, 1), p[6], p[7], 2)
        const skip = proj ? refGroupNorm(refConv(x, p[8], p[9], stride, 0), p[10], p[11], 2) : x
        const want = relu(addA(main, skip))
        expect(y.shape).toEqual(want.shape)
        expectFloat64Output(s.graph, 0, y.data, want.data, 'basicBlock')
      }),
    )
  })

  test('embedding gathers rows', () =>
    seeded((r) => {
      const table = randn([7, 3], r)
      const idx = randint([5], r, 7)
      const [y] = run(lower(NN('embedding'), 'embed', [T([7, 3]), T([5], 'i32')]), [table, idx])
      // a gather copies rows: exact
      expectClose(
        y.data,
        Array.from(idx.data).flatMap((i) => Array.from(table.data.slice(3 * i, 3 * i + 3))),
        { rtol: 0, atol: 0 },
        'embed',
      )
    }))

  test('a zero-initialized output layer makes the MLP output exactly 0', () => {
    const sizes = [3, 8, 2]
    const init = lower(NN('init'), 'initMlp', [T([], 'i32'), arr(sizes.map(S)), S('he'), S(true)])
    const params = run(init, [key(11)])
    expect(params.slice(2).every((p) => Array.from(p.data).every((v) => v === 0))).toBe(true)
    expect(Array.from(params[0].data).some((v) => v !== 0)).toBe(true)
    const x = randn([4, 3], rng(1))
    const [y] = run(lower(NN('mlp'), 'mlp', [arr([linSpec(3, 8), linSpec(8, 2)]), T([4, 3]), fnArg('silu')]), [
      ...params,
      x,
    ])
    expect(Array.from(y.data)).toEqual(new Array(8).fill(0))
  })
})

// ---- gradients against central differences (test/gradcheck.ts) ----

const gradientError = (name: string, specs: ArgSpec[], inputs: NDArray[], argnums: number[], seed: number) =>
  gradientErrorIn(FIX, name, specs, inputs, argnums, seed, { all: 32, sample: 24 })

describe('gradients match central finite differences (float64, error < 1e-6)', () => {
  const cases: [string, ArgSpec[], (r: () => number) => NDArray[], number[]][] = [
    [
      'mlpMse',
      [arr([linSpec(3, 8), linSpec(8, 8), linSpec(8, 2)]), T([6, 3]), T([6, 2])],
      (r) => [
        ...draw(r, [[3, 8], [8], [8, 8], [8], [8, 2], [2]], 0.5),
        ...draw(r, [
          [6, 3],
          [6, 2],
        ]),
      ],
      [0, 1],
    ],
    ['layerNormLoss', [normSpec(5), T([4, 5]), T([4, 5])], (r) => draw(r, [[5], [5], [4, 5], [4, 5]]), [0, 1]],
    ['rmsNormLoss', [obj([['scale', T([5])]]), T([4, 5]), T([4, 5])], (r) => draw(r, [[5], [4, 5], [4, 5]]), [0, 1]],
    [
      'groupNormLoss',
      [normSpec(4), T([2, 4, 3, 3]), T([2, 4, 3, 3])],
      (r) => draw(r, [[4], [4], [2, 4, 3, 3], [2, 4, 3, 3]]),
      [0, 1],
    ],
    [
      'convResnetLoss',
      [
        obj([
          ['stem', convSpec(4, 1, 3)],
          [
            'block',
            obj([
              ['conv1', convSpec(6, 4, 3)],
              ['norm1', normSpec(6)],
              ['conv2', convSpec(6, 6, 3)],
              ['norm2', normSpec(6)],
              [
                'proj',
                obj([
                  ['conv', convSpec(6, 4, 1)],
                  ['norm', normSpec(6)],
                ]),
              ],
            ]),
          ],
          ['head', T([54, 2])],
        ]),
        T([2, 1, 6, 6]),
        T([2, 2]),
      ],
      (r) => [
        ...draw(
          r,
          [
            [4, 1, 3, 3],
            [4],
            [6, 4, 3, 3],
            [6],
            [6],
            [6],
            [6, 6, 3, 3],
            [6],
            [6],
            [6],
            [6, 4, 1, 1],
            [6],
            [6],
            [6],
            [54, 2],
          ],
          0.4,
        ),
        ...draw(r, [
          [2, 1, 6, 6],
          [2, 2],
        ]),
      ],
      [0, 1],
    ],
  ]
  test.each(cases)('%s', (name, specs, inputs, argnums) =>
    seeded((r, seed) => expect(gradientError(name, specs, inputs(r), argnums, seed), name).toBeLessThan(1e-6)),
  )
})

// ---- initializers ----

const stats = (d: ArrayLike<number>) => {
  let m = 0
  for (let i = 0; i < d.length; i++) m += d[i] / d.length
  let v = 0
  for (let i = 0; i < d.length; i++) v += (d[i] - m) ** 2 / d.length
  return { mean: m, std: Math.sqrt(v) }
}

describe('initializers (counter-based keys)', () => {
  test.each([
    ['he', 256, 128, Math.sqrt(2 / 256)],
    ['lecun', 256, 128, Math.sqrt(1 / 256)],
    ['xavier', 256, 128, Math.sqrt(2 / 384)],
  ])('initLinear %s: W [%i, %i] has std within 3%% of %f, b = 0', (scheme, fanIn, fanOut, std) =>
    seeded((_, seed) => {
      const s = lower(NN('init'), 'initLinear', [T([], 'i32'), S(fanIn), S(fanOut), S(scheme)])
      const [w, b] = run(s, [key(seed)])
      expect(w.shape).toEqual([fanIn, fanOut])
      expect(b.shape).toEqual([fanOut])
      const st = stats(w.data)
      expect(Math.abs(st.std / std - 1)).toBeLessThan(0.03)
      expect(Math.abs(st.mean)).toBeLessThan(0.03 * std)
      expect(Array.from(b.data).every((v) => v === 0)).toBe(true)
    }),
  )

  test('initMlp: shapes, a distinct key per layer, deterministic per key', () =>
    seeded((_, seed) => {
      const sizes = [32, 64, 64, 2]
      const s = lower(NN('init'), 'initMlp', [T([], 'i32'), arr(sizes.map(S))])
      const k = seed
      const a = run(s, [key(k)])
      const again = run(s, [key(k)])
      const other = run(s, [key(k + 1)])
      expect(a.map((p) => p.shape)).toEqual([[32, 64], [64], [64, 64], [64], [64, 2], [2]])
      a.forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(again[i].data)))
      expect(Array.from(a[0].data)).not.toEqual(Array.from(other[0].data))
      expect(Array.from(a[2].data.slice(0, 64))).not.toEqual(Array.from(a[0].data.slice(0, 64))) // layers use different keys
      expect(Math.abs(stats(a[2].data).std / Math.sqrt(2 / 64) - 1)).toBeLessThan(0.05)
    }))

  test('initConv: He std √(2 / (C_in·k²)) and OIHW shape', () =>
    seeded((_, seed) => {
      const s = lower(NN('init'), 'initConv', [T([], 'i32'), S(32), S(64), S(3)])
      const [w, b] = run(s, [key(seed)])
      expect(w.shape).toEqual([64, 32, 3, 3])
      expect(b.shape).toEqual([64])
      expect(Math.abs(stats(w.data).std / Math.sqrt(2 / (32 * 9)) - 1)).toBeLessThan(0.03)
    }))

  test('initBasicBlock: a projection only when channels or stride change; norms start at scale 1, shift 0', () => {
    const shapes = (cin: number, cout: number, stride: number) => {
      const s = lower(NN('init'), 'initBasicBlock', [T([], 'i32'), S(cin), S(cout), S(stride)])
      const out = run(s, [key(3)])
      return { s, out, shapes: out.map((p) => p.shape) }
    }
    const same = shapes(8, 8, 1)
    expect(same.s.outTree).toMatchObject({ kind: 'object', keys: ['conv1', 'norm1', 'conv2', 'norm2'] })
    expect(same.shapes).toEqual([[8, 8, 3, 3], [8], [8], [8], [8, 8, 3, 3], [8], [8], [8]])
    expect(
      Array.from(same.out[2].data).every((v) => v === 1) && Array.from(same.out[3].data).every((v) => v === 0),
    ).toBe(true)
    const down = shapes(4, 8, 2)
    expect(down.s.outTree).toMatchObject({ kind: 'object', keys: ['conv1', 'norm1', 'conv2', 'norm2', 'proj'] })
    expect(down.shapes.slice(8)).toEqual([[8, 4, 1, 1], [8], [8], [8]])
  })

  test('initEmbedding and zeroInit', () =>
    seeded((_, seed) => {
      const [table] = run(lower(NN('init'), 'initEmbedding', [T([], 'i32'), S(100), S(64), S(0.02)]), [key(seed)])
      expect(table.shape).toEqual([100, 64])
      expect(Math.abs(stats(table.data).std / 0.02 - 1)).toBeLessThan(0.05)
      const z = run(lower(NN('init'), 'zeroInit', [S(5), S(3)]), [])
      expect(z.map((p) => p.shape)).toEqual([[5, 3], [3]])
      expect(z.every((p) => Array.from(p.data).every((v) => v === 0))).toBe(true)
    }))
})
