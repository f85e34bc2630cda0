/**
 * stdlib/optim: one and several steps of every optimizer against a hand-written float64 reference
 * of its update rule (traced lr and step: the same compiled graph serves every step); a short Adam
 * training run of an MLP through `grad`; the training step on the compiled (fused gpu.js) path.
 */
import { wasmRuntime } from '../compiler/backend/wasm/index.js'
import { WASM_LIMITS } from '../compiler/backend/wasm/run.js'
import { describe, expect, test } from 'vitest'
import type { ArgSpec } from '../compiler/frontend/specialize.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { GpujsRuntime } from '../compiler/backend/gpujs/run.js'
import { expectClose, lower, randn, reject, rng, rootPath, run, S, scalar, seeded, T } from './helpers.js'
import { expectFloat32Run, float64Tolerance } from './tolerance.js'

const OPT = (f: string) => rootPath(`stdlib/optim/${f}.ts`)
const obj = (fields: [string, ArgSpec][]): ArgSpec => ({ tag: 'object', fields })
const arr = (items: ArgSpec[]): ArgSpec => ({ tag: 'array', items })
const linSpec = (i: number, o: number) =>
  obj([
    ['w', T([i, o])],
    ['b', T([o])],
  ])
const f64 = (shape: number[], data: ArrayLike<number>): NDArray => ({
  shape,
  dtype: 'f32',
  data: Float64Array.from(data),
})

/** A two-layer parameter pytree [{w [3,4], b [4]}, {w [4,2], b [2]}] and its leaf shapes. */
const TREE = arr([linSpec(3, 4), linSpec(4, 2)])
const SHAPES = [[3, 4], [4], [4, 2], [2]]
const L = SHAPES.length
const draw = (r: () => number, scale = 1) => SHAPES.map((s) => randn(s, r, scale))
const zerosTree = () => SHAPES.map((s) => f64(s, new Float64Array(s.reduce((a, b) => a * b, 1))))
const leafwise = (xs: NDArray[], f: (v: number, i: number, k: number) => number) =>
  xs.map((x, i) =>
    f64(
      x.shape,
      Array.from(x.data, (v, k) => f(v, i, k)),
    ),
  )
/**
 * Every leaf of a float64 update within 1e-12 of the reference's, above 16 float64 roundings of the
 * leaf's largest element: an update p − lr·d can cancel, and then its error is the rounding of p.
 */
const expectTree = (got: NDArray[], want: NDArray[], what: string) =>
  want.forEach((w, i) => expectClose(got[i].data, w.data, float64Tolerance(1, w.data), `${what} leaf ${i}`))

describe('SGD', () => {
  const hyper = (momentum: boolean) =>
    obj([['lr', T([])], ...(momentum ? ([['momentum', T([])]] as [string, ArgSpec][]) : [])])
  test.each([false, true])('4 steps with momentum %s (v ← μv + g, p ← p − lr·v)', (momentum) =>
    seeded((r) => {
      const step = lower(OPT('sgd'), 'sgd', [TREE, TREE, obj([['velocity', TREE]]), hyper(momentum)])
      let [p, v] = [draw(r), zerosTree()]
      let [pRef, vRef] = [p, v]
      const mu = momentum ? 0.9 : 0
      for (let t = 0; t < 4; t++) {
        const g = draw(r)
        const lr = 0.1 / (t + 1) // a new traced value each step, same graph
        const out = run(step, [...p, ...g, ...v, scalar(lr), ...(momentum ? [scalar(mu)] : [])])
        ;[p, v] = [out.slice(0, L), out.slice(L)]
        vRef = leafwise(vRef, (x, i, k) => Math.fround(mu) * x + g[i].data[k])
        pRef = leafwise(pRef, (x, i, k) => x - Math.fround(lr) * vRef[i].data[k])
        expectTree(p, pRef, `sgd params step ${t}`)
        expectTree(v, vRef, `sgd velocity step ${t}`)
      }
    }),
  )

  test('sgdInit gives zero velocity', () => {
    const out = run(lower(OPT('sgd'), 'sgdInit', [TREE]), draw(rng(1)))
    expect(out.every((x) => Array.from(x.data).every((v) => v === 0))).toBe(true)
  })
})

/** A decay rate β and 1 − β as a graph holds them: a static β is a literal, kept in float64 by the float64 interpreter. */
const staticRate = (beta: number) => ({ beta, rest: 1 - beta })
/** A traced β arrives as a float32 input. */
const tracedRate = (beta: number) => staticRate(Math.fround(beta))
type Rate = ReturnType<typeof staticRate>

/** Reference Adam/AdamW in float64: state {t, m, v}, one update with decoupled decay λ. */
function refAdam(
  p: NDArray[],
  g: NDArray[],
  s: { t: number; m: NDArray[]; v: NDArray[] },
  h: { lr: number; b1: Rate; b2: Rate; eps: number; wd: number },
) {
  const t = s.t + 1
  const m = leafwise(s.m, (x, i, k) => h.b1.beta * x + h.b1.rest * g[i].data[k])
  const v = leafwise(s.v, (x, i, k) => h.b2.beta * x + h.b2.rest * g[i].data[k] ** 2)
  const c1 = 1 - h.b1.beta ** t
  const c2 = 1 - h.b2.beta ** t
  const params = leafwise(
    p,
    (x, i, k) => x - h.lr * (m[i].data[k] / c1 / (Math.sqrt(v[i].data[k] / c2) + h.eps) + h.wd * x),
  )
  return { params, state: { t, m, v } }
}

describe('Adam and AdamW', () => {
  const stateSpec = obj([
    ['step', T([])],
    ['m', TREE],
    ['v', TREE],
  ])
  test('adamInit: t = 0, zero moments', () => {
    const s = lower(OPT('adam'), 'adamInit', [TREE])
    const out = run(s, draw(rng(2)))
    expect(out.length).toBe(1 + 2 * L)
    expect(out.every((x) => Array.from(x.data).every((v) => v === 0))).toBe(true)
  })

  test.each([
    // [name, export, static β1, traced β2, traced λ, steps]
    ['Adam, defaults β = (0.9, 0.999), 1 step', 'adam', undefined, undefined, undefined, 1],
    ['Adam, β = (0.9, 0.95), 6 steps', 'adam', 0.9, 0.95, undefined, 6],
    ['AdamW, β = (0.9, 0.95), λ = 0.01, 1 step', 'adamw', 0.9, 0.95, 0.01, 1],
    ['AdamW, β = (0.8, 0.95), λ = 0.1, 6 steps', 'adamw', 0.8, 0.95, 0.1, 6],
  ] as const)('%s (bias-corrected, decoupled decay)', (_name, fn, b1, b2, wd, steps) =>
    seeded((r) => {
      const fields: [string, ArgSpec][] = [['lr', T([])]]
      if (b1 !== undefined) fields.push(['beta1', S(b1)]) // static
      if (b2 !== undefined) fields.push(['beta2', T([])]) // traced
      if (wd !== undefined) fields.push(['weightDecay', T([])])
      const spec = lower(OPT(fn), fn, [TREE, TREE, stateSpec, obj(fields)])
      let params = draw(r)
      let state = [scalar(0), ...zerosTree(), ...zerosTree()]
      let ref = { params, state: { t: 0, m: zerosTree(), v: zerosTree() } }
      for (let t = 0; t < steps; t++) {
        const g = draw(r, 0.5 + t)
        const lr = 1e-2 * (t + 1)
        const extra = [scalar(lr), ...(b2 !== undefined ? [scalar(b2)] : []), ...(wd !== undefined ? [scalar(wd)] : [])]
        const out = run(spec, [...params, ...g, ...state, ...extra])
        ;[params, state] = [out.slice(0, L), out.slice(L)]
        ref = refAdam(ref.params, g, ref.state, {
          lr: Math.fround(lr),
          b1: staticRate(b1 ?? 0.9),
          b2: b2 === undefined ? staticRate(0.999) : tracedRate(b2),
          eps: 1e-8,
          wd: fn === 'adamw' ? Math.fround(wd ?? 0) : 0,
        })
        expect(state[0].data[0]).toBe(t + 1)
        expectTree(params, ref.params, `params step ${t}`)
        expectTree(state.slice(1, 1 + L), ref.state.m, `m step ${t}`)
        expectTree(state.slice(1 + L), ref.state.v, `v step ${t}`)
      }
    }),
  )

  test('from a mid-run state (t = 2): adam ignores weightDecay, adamw at λ = 0 is plain Adam, at λ = 0.3 it decays', () =>
    seeded((r) => {
      const hyper = obj([
        ['lr', T([])],
        ['weightDecay', T([])],
      ])
      const [params, grads, m] = [draw(r), draw(r), draw(r)]
      const v = draw(r).map((x) => leafwise([x], (e) => e * e)[0]) // second moments are ≥ 0
      const step = (fn: 'adam' | 'adamw', wd: number) =>
        run(lower(OPT(fn), fn, [TREE, TREE, stateSpec, hyper]), [
          ...params,
          ...grads,
          scalar(2),
          ...m,
          ...v,
          scalar(0.05),
          scalar(wd),
        ])
      const reference = (wd: number) =>
        refAdam(
          params,
          grads,
          { t: 2, m, v },
          { lr: Math.fround(0.05), b1: staticRate(0.9), b2: staticRate(0.999), eps: 1e-8, wd },
        )
      const expectStep = (got: NDArray[], want: ReturnType<typeof refAdam>, what: string) => {
        expectTree(got.slice(0, L), want.params, `${what} params`)
        expect(got[L].data[0], `${what} step`).toBe(3)
        expectTree(got.slice(1 + L, 1 + 2 * L), want.state.m, `${what} m`)
        expectTree(got.slice(1 + 2 * L), want.state.v, `${what} v`)
      }
      expectStep(step('adam', 0.3), reference(0), 'adam, λ = 0.3 ignored')
      expectStep(step('adamw', 0), reference(0), 'adamw, λ = 0')
      expectStep(step('adamw', 0.3), reference(Math.fround(0.3)), 'adamw, λ = 0.3')
    }))
})

describe('clipping, warmup, EMA', () => {
  const norm = (xs: NDArray[]) =>
    Math.sqrt(xs.reduce((s, x) => s + Array.from(x.data).reduce((a, v) => a + v * v, 0), 0))

  test('globalNorm = √(Σ x²) over every leaf', () =>
    seeded((r) => {
      const g = draw(r)
      const [n] = run(lower(OPT('clip'), 'globalNorm', [TREE]), g)
      // a square root of a sum of squares: nothing cancels
      expectClose(n.data, [norm(g)], { rtol: 1e-12, atol: 0 }, '‖g‖')
    }))

  test('globalNorm of float32 gradients near 1e20 (a GroupNorm backward on identical images): finite, exact to float32 rounding', () =>
    seeded(async (r) => {
      const g = draw(r).map((x) => ({ ...x, data: Float64Array.from(x.data, (v) => Math.fround(v * 3e20)) }))
      const spec = lower(OPT('clip'), 'globalNorm', [TREE])
      const [got] = wasmRuntime().run(lowerGraph(spec.graph, {}, WASM_LIMITS).plan, g)
      // the sum of squares alone (1e41) would overflow float32 to ∞; 64 ulps of float32 cover the scaled sum
      expectClose(got.data, [norm(g)], { rtol: 64 * 2 ** -23, atol: 0 }, '‖g‖ in float32')
    }))

  test.each([0.5, 2, 100])('clipByGlobalNorm to c = %f: g·c / max(‖g‖, c)', (c) =>
    seeded((r) => {
      const g = draw(r)
      const out = run(lower(OPT('clip'), 'clipByGlobalNorm', [TREE, T([])]), [...g, scalar(c)])
      const n = norm(g)
      expectTree(
        out,
        leafwise(g, (v) => (v * c) / Math.max(n, c)),
        'clipped',
      )
      // the norm of the clipped tree: again a root of a sum of squares
      expectClose([norm(out)], [Math.min(n, c)], { rtol: 1e-12, atol: 0 }, '‖clipped‖')
    }),
  )

  test('linear warmup from 1e-6 to the peak over W steps, then constant (traced step)', () => {
    const s = lower(OPT('warmup'), 'linearWarmup', [T([]), T([]), T([])])
    const custom = lower(OPT('warmup'), 'linearWarmup', [T([]), T([]), T([]), T([])])
    const peak = Math.fround(4e-3)
    for (const t of [0, 1, 5, 9, 10, 11, 1000]) {
      const [lr] = run(s, [scalar(t), scalar(peak), scalar(10)])
      // 1e-6 is a literal, exact in float64; peak and W arrive as float32 inputs
      expectClose(lr.data, [1e-6 + (peak - 1e-6) * Math.min(1, t / 10)], { rtol: 1e-12, atol: 0 }, `lr at ${t}`)
      const [lr0] = run(custom, [scalar(t), scalar(peak), scalar(10), scalar(0)])
      expectClose(lr0.data, [peak * Math.min(1, t / 10)], { rtol: 1e-12, atol: 0 }, `lr from 0 at ${t}`)
    }
  })

  test('warmup then cosine decay: linear to the peak over W steps, then peak·½(1 + cos(π·progress)) down to 0 at T', () => {
    const s = lower(OPT('warmup'), 'warmupCosine', [T([]), T([]), T([]), T([])])
    const peak = Math.fround(4e-3)
    for (const t of [0, 1, 5, 10, 11, 30, 55, 99, 100, 150]) {
      const [lr] = run(s, [scalar(t), scalar(peak), scalar(10), scalar(100)])
      // 1e-6 and π are literals, exact in float64; peak, W and T arrive as float32 inputs
      const warm = 1e-6 + (peak - 1e-6) * Math.min(1, t / 10)
      const progress = Math.min(1, Math.max(0, (t - 10) / 90))
      // at T the cosine factor is 1 + cos π: a few float64 roundings of 1 around 0
      const want = (warm * (1 + Math.cos(Math.PI * progress))) / 2
      expectClose(lr.data, [want], { rtol: 1e-12, atol: 1e-15 * peak }, `lr at ${t}`)
    }
  })

  test('EMA warm-up: the decay is min(d, (1 + t)/(10 + t)) after t updates (traced)', () => {
    const s = lower(OPT('ema'), 'emaWarmupDecay', [T([]), T([])])
    for (const t of [0, 1, 10, 100, 8990, 9000, 1e5]) {
      const [d] = run(s, [scalar(t), scalar(0.999)])
      const want = Math.min(Math.fround(0.999), (1 + t) / (10 + t))
      expectClose(d.data, [want], { rtol: 1e-12, atol: 0 }, `decay after ${t} updates`)
    }
  })

  test('EMA over 5 steps: ā ← d·ā + (1 − d)·p (traced decay)', () =>
    seeded((r) => {
      const s = lower(OPT('ema'), 'ema', [TREE, TREE, T([])])
      let avg = draw(r)
      let ref = avg
      const d = Math.fround(0.9)
      for (let t = 0; t < 5; t++) {
        const p = draw(r)
        avg = run(s, [...avg, ...p, scalar(0.9)])
        ref = leafwise(ref, (a, i, k) => d * a + (1 - d) * p[i].data[k])
        expectTree(avg, ref, `ema step ${t}`)
      }
    }))
})

test('the paper recipe in one program (clip 2 → warmup → AdamW (0.9, 0.95, λ 0.01) → EMA 0.999), 4 steps', () =>
  seeded((r) => {
    const spec = lower(rootPath('test/fixtures/nn.ts'), 'paperOptimizerStep', [
      TREE,
      TREE,
      obj([
        ['step', T([])],
        ['m', TREE],
        ['v', TREE],
      ]),
      TREE,
      T([]),
      T([]),
    ])
    let params = draw(r)
    let state = [scalar(0), ...zerosTree(), ...zerosTree()]
    let average = params
    let ref = { params, state: { t: 0, m: zerosTree(), v: zerosTree() } }
    let refAvg = params
    for (let t = 0; t < 4; t++) {
      const g = draw(r, t === 0 ? 0.1 : 3) // the first step is under the clip norm, the others over it
      const out = run(spec, [...params, ...g, ...state, ...average, scalar(1e-2), scalar(3)])
      ;[params, state, average] = [out.slice(0, L), out.slice(L, 1 + 3 * L), out.slice(1 + 3 * L)]
      const n = Math.sqrt(g.reduce((s, x) => s + Array.from(x.data).reduce((a, v) => a + v * v, 0), 0))
      const lr = 1e-6 + (Math.fround(1e-2) - 1e-6) * Math.min(1, (t + 1) / 3)
      ref = refAdam(
        ref.params,
        leafwise(g, (v) => (v * 2) / Math.max(n, 2)),
        ref.state,
        { lr, b1: staticRate(0.9), b2: staticRate(0.95), eps: 1e-8, wd: 0.01 },
      )
      const decay = staticRate(0.999)
      refAvg = leafwise(refAvg, (a, i, k) => decay.beta * a + decay.rest * ref.params[i].data[k])
      expectTree(params, ref.params, `params step ${t}`)
      expectTree(average, refAvg, `average step ${t}`)
    }
  }))

test('treeMap over trees of different structure is rejected with D109', () => {
  const d = reject(OPT('ema'), 'ema', [TREE, arr([linSpec(3, 4)]), T([])])
  expect(d.code).toBe('D109')
  expect(d.message).toContain('treeMap')
})

// ---- training: forward + grad + Adam in one DSL function ----

const FIX = rootPath('test/fixtures/nn.ts')
const SIZES = [1, 16, 16, 1]
const MLP = arr(SIZES.slice(1).map((o, i) => linSpec(SIZES[i], o)))
const TRAIN_SPECS = [
  MLP,
  obj([
    ['step', T([])],
    ['m', MLP],
    ['v', MLP],
  ]),
  T([32, 1]),
  T([32, 1]),
  T([]),
]
const NL = 2 * (SIZES.length - 1)

/** Regression data y = sin(2x) on 32 points of [−2, 2], initial params from initMlp (He) with key 7. */
function trainingSetup() {
  const x = f64(
    [32, 1],
    Array.from({ length: 32 }, (_, i) => Math.fround(-2 + (4 * i) / 31)),
  )
  const y = f64(
    [32, 1],
    Array.from(x.data, (v) => Math.fround(Math.sin(2 * v))),
  )
  const init = lower(rootPath('stdlib/nn/init.ts'), 'initMlp', [T([], 'i32'), arr(SIZES.map(S))])
  const params = run(init, [{ shape: [], dtype: 'i32', data: Int32Array.of(7) }])
  const state = [
    scalar(0),
    ...params.map((p) => f64(p.shape, new Float64Array(p.data.length))),
    ...params.map((p) => f64(p.shape, new Float64Array(p.data.length))),
  ]
  return { x, y, params, state }
}

test('300 Adam steps of a SiLU MLP 1 → 16 → 16 → 1 on y = sin(2x) cut the MSE by more than 1000×', () => {
  const step = lower(FIX, 'mlpTrainStep', TRAIN_SPECS)
  let { x, y, params, state } = trainingSetup()
  const losses: number[] = []
  for (let t = 0; t < 300; t++) {
    const out = run(step, [...params, ...state, x, y, scalar(1e-2)], 'f32')
    losses.push(out[0].data[0])
    ;[params, state] = [out.slice(1, 1 + NL), out.slice(1 + NL)]
  }
  expect(state[0].data[0]).toBe(300)
  expect(losses[299]).toBeLessThan(losses[0] / 1000) // 2.46 → 5.5e-4 with key 7
})

test('the training step on the compiled path (fused gpu.js kernels, webasm) matches the float64 interpreter', () => {
  const step = lower(FIX, 'mlpTrainStep', TRAIN_SPECS)
  const { plan } = lowerGraph(step.graph)
  const runtime = new GpujsRuntime('webasm')
  let { x, y, params, state } = trainingSetup()
  for (let t = 0; t < 3; t++) {
    const ins = [...params, ...state, x, y, scalar(1e-2)]
    const want = run(step, ins)
    // float32 kernels against the float64 interpreter, output by output (test/tolerance.ts)
    expectFloat32Run(step.graph, runtime.run(plan, ins), want, `step ${t}`)
    // the next step starts from the reference's state, rounded to float32 as a device holds it
    const next = want.map((a) => f64(a.shape, Array.from(a.data, Math.fround)))
    ;[params, state] = [next.slice(1, 1 + NL), next.slice(1 + NL)]
  }
})
