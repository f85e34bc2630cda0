/**
 * drift's WebAssembly backend beyond the corpus sizes: kernels large enough for register-blocked
 * tiles with remainders in x and y, vectors along x and along y, strided and divergent loads,
 * the fused stacked kernels gpu.js plans use, the band split over worker threads, and the
 * in-wasm exp / log / tanh against Math in float64 (values and special cases).
 */
import fs from 'node:fs'
import { afterAll, describe, expect, test } from 'vitest'
import { WasmRuntime, WASM_LIMITS, wasmLimits } from '../compiler/backend/wasm/run.js'
import { tileFor } from '../compiler/backend/wasm/codegen.js'
import { lowerGraph, type BackendLimits } from '../compiler/fusion/lower.js'
import { interpret } from '../compiler/ir/interpret.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { limitsFor } from '../compiler/backend/gpujs/run.js'
import { EPS32, expectClose, livePeak, lower, randn, rng, rootPath, scalar, T, testSeed } from './helpers.js'
import { expectFloat32Run } from './tolerance.js'
import { specialize } from '../compiler/frontend/specialize.js'
import { formatDiagnostic } from '../compiler/frontend/diagnostics.js'

const FIXTURE = rootPath('test/fixtures/wasm.ts')
const single = new WasmRuntime(1)
const threaded = new WasmRuntime(2)

/** Run a fixture export on random inputs and compare every output with the float64 interpreter (test/tolerance.ts). */
function check(fn: string, shapes: number[][], runtime: WasmRuntime, limits: BackendLimits = WASM_LIMITS) {
  const r = rng(testSeed())
  const spec = lower(
    FIXTURE,
    fn,
    shapes.map((s) => T(s)),
  )
  const ins: NDArray[] = shapes.map((s) => randn(s, r))
  const { plan } = lowerGraph(spec.graph, {}, limits)
  // float32 kernels against the float64 interpreter, output by output (test/tolerance.ts)
  expectFloat32Run(spec.graph, runtime.run(plan, ins), interpret(spec.graph, ins, 'f64'), fn)
  return plan
}

describe('tiles', () => {
  test.each([
    ['one thread', single],
    ['two threads', threaded],
  ])('matmuls with remainders in both directions (%s)', (_, runtime) => {
    const plan = check(
      'matmuls',
      [
        [37, 29],
        [29, 43],
        [29, 3],
      ],
      runtime,
    )
    const tiles = plan.steps.flatMap((s) => (s.k === 'launch' ? [tileFor(s.kernel)] : []))
    // register-blocked rows along x, and a narrow output (3 columns) vectorized along y
    expect(tiles).toContainEqual({ axis: 'x', vec: true, cols: 2, rows: 4 })
    expect(tiles.some((t) => t.axis === 'y' && t.vec)).toBe(true)
  })

  test.each([
    ['one thread', single],
    ['two threads', threaded],
  ])('softmax over concatenated distances, both axes (%s)', (_, runtime) => {
    check(
      'softmaxes',
      [
        [131, 3],
        [67, 3],
      ],
      runtime,
    )
  })

  test('a select in a matmul epilogue (lane by lane, not a branch) keeps the 4-row register blocking', () => {
    const plan = check(
      'gatedMatmul',
      [
        [37, 29],
        [29, 43],
        [37, 43],
      ],
      threaded,
    )
    const [k] = plan.steps.flatMap((s) => (s.k === 'launch' ? [s.kernel] : []))
    expect(tileFor(k)).toEqual({ axis: 'x', vec: true, cols: 2, rows: 4 })
  })

  test('a narrow output whose loop recomputes a shared inner loop (a distance) takes whole rows as tiles', () => {
    const plan = check(
      'distanceWeighted',
      [
        [37, 16],
        [70, 16],
        [70, 24],
      ],
      threaded,
    )
    const last = plan.steps.filter((s) => s.k === 'launch').pop()!
    expect(last.k === 'launch' && tileFor(last.kernel)).toEqual({ axis: 'x', vec: true, cols: 6, rows: 1 })
  })

  test('divergent column ranges (concat along x at odd widths)', () => {
    check('columns', [[19, 7]], single)
  })

  test('the stacked kernels of gpu.js plans run too (slots and flat heterogeneous groups)', () => {
    const plan = check(
      'softmaxes',
      [
        [131, 3],
        [67, 3],
      ],
      single,
      limitsFor('webasm'),
    )
    expect(plan.steps.some((s) => s.k === 'launch' && s.kernel.name.split('_').length > 2)).toBe(true)
  })
})

test("sharpField's vjp runs in wasm's plan and in gpu.js's stacked one, whose fused kernels hold thousands of values: each statement's locals are reused after it", () => {
  const r = rng(testSeed())
  // at these sizes gpu.js's plan has a kernel of 90 000 values, past the 50 000 locals an engine allows
  const [N, P, d] = [8, 6, 4]
  const ref = {
    file: rootPath('stdlib/fields/sharp.ts'),
    exportName: 'sharpField',
    transform: { kind: 'vjp' as const },
  }
  const s = specialize(ref, [T([N, d]), T([P, d]), T([N, d]), T([]), T([N, d])])
  if (s._tag === 'Left') throw new Error(s.left.map((e) => formatDiagnostic(e)).join('\n'))
  const { graph } = s.right
  const x = randn([N, d], r)
  const ins = [x, randn([P, d], r), x, scalar(0.5 + r()), randn([N, d], r)]
  const want = interpret(graph, ins, 'f64')
  for (const [name, limits] of [
    ['wasm', wasmLimits()],
    ['gpu.js', limitsFor('webasm')],
  ] as const) {
    const { plan } = lowerGraph(graph, {}, limits)
    // float32 kernels against the float64 interpreter, output by output (test/tolerance.ts)
    expectFloat32Run(graph, single.run(plan, ins), want, `sharpField's vjp in ${name}'s plan`)
  }
}, 120_000)

test('distances in 64 dimensions read their second operand through a stored transpose; each softmax sum reads its stored max', () => {
  const plan = check(
    'affinities',
    [
      [37, 64],
      [70, 64],
    ],
    threaded,
  )
  const kernels = plan.steps.flatMap((s) => (s.k === 'launch' ? [s.kernel] : []))
  // yᵀ [64, 70] first: the distance loop then loads 4 consecutive columns with one vector load
  expect(kernels[0].fused.map((f) => f.prim)).toEqual(['transpose'])
  expect(kernels[0].out.shape).toEqual([64, 70])
  // the exponentials' sums read the stored maxima (no online loop: no running-max rescale)
  const maxima = new Set(kernels.filter((k) => k.fused[0]?.prim === 'reduce_max').map((k) => k.out.buf))
  const sums = kernels.filter((k) => k.fused.some((f) => f.prim === 'reduce_sum'))
  expect(maxima.size).toBe(2)
  expect(sums.length).toBe(2)
  for (const k of sums) expect(k.buffers.some((b) => maxima.has(b))).toBe(true)
})

test('the CPU cost model stores paperField’s N×(P+M) matrices while they fit its memory budget, and recomputes them beyond it', () => {
  const paper = rootPath('stdlib/fields/paper.ts')
  const stored = (n: number) => {
    const spec = lower(paper, 'paperField', [T([n, 2]), T([n, 2]), T([n, 2]), T([])])
    const { plan } = lowerGraph(spec.graph, {}, WASM_LIMITS)
    return plan
  }
  const sizes = (n: number) =>
    stored(n)
      .buffers.filter((b) => b.role === 'intermediate')
      .map((b) => b.shape.reduce((x, y) => x * y, 1))
  // at N = 1024 a logit costs less to store and reread than a distance and an exp to recompute
  expect(Math.max(...sizes(1024))).toBe(1024 * 2048)
  // the buffers live at any one step stay within the budget at every N; at N = 32768 one N×P half
  // is already 2^30 elements: nothing N×N is stored
  for (const n of [4096, 16384]) expect(livePeak(stored(n)), `N = ${n}`).toBeLessThanOrEqual(WASM_LIMITS.memoryBudget)
  expect(Math.max(...sizes(32768))).toBeLessThan(32768 * 4)
})

test('DRIFT_MEMORY_BUDGET sets the budget in MiB, by default the README’s; a bad value is an error naming the variable', () => {
  const before = process.env.DRIFT_MEMORY_BUDGET
  try {
    // the README documents the default: setting the variable to it changes nothing
    const documented = fs
      .readFileSync(rootPath('README.md'), 'utf8')
      .match(/`DRIFT_MEMORY_BUDGET` \(MiB[^;]*; default (\d+)/)
    expect(documented, 'the README states the default budget').not.toBeNull()
    process.env.DRIFT_MEMORY_BUDGET = documented![1]
    expect(wasmLimits().memoryBudget).toBe(WASM_LIMITS.memoryBudget)
    process.env.DRIFT_MEMORY_BUDGET = '64'
    expect(wasmLimits().memoryBudget).toBe(2 ** 24)
    const spec = lower(rootPath('stdlib/fields/paper.ts'), 'paperField', [
      T([4096, 2]),
      T([4096, 2]),
      T([4096, 2]),
      T([]),
    ])
    const { plan, explain } = lowerGraph(spec.graph, {}, wasmLimits())
    expect(Math.max(...plan.buffers.map((b) => b.shape.reduce((x, y) => x * y, 1)))).toBeLessThan(4096 * 4)
    // --explain names the budget as the reason the pairwise matrices are recomputed
    expect(explain.some((line) => line.includes('memory budget of 1.68e+7 elements'))).toBe(true)
    for (const bad of ['abc', '-1', '1e9']) {
      process.env.DRIFT_MEMORY_BUDGET = bad
      expect(() => wasmLimits(), bad).toThrow(/DRIFT_MEMORY_BUDGET must be a number of MiB/)
    }
    delete process.env.DRIFT_MEMORY_BUDGET
    expect(wasmLimits().memoryBudget).toBe(WASM_LIMITS.memoryBudget)
  } finally {
    if (before === undefined) delete process.env.DRIFT_MEMORY_BUDGET
    else process.env.DRIFT_MEMORY_BUDGET = before
  }
})

test('a long reduction over a whole matrix runs row by row first (two kernels, the first a thread per row)', () => {
  const plan = check('meanAll', [[300, 517]], threaded)
  const kernels = plan.steps.flatMap((s) => (s.k === 'launch' ? [s.kernel] : []))
  expect(kernels.map((k) => k.out.shape)).toEqual([[300], []])
})

describe('math inside wasm', () => {
  const values = [
    0,
    -0,
    1e-30,
    1e-8,
    0.3,
    0.625,
    0.7071,
    1,
    2.5,
    10,
    50,
    87,
    88.5,
    89,
    100,
    -1e-8,
    -0.3,
    -0.7,
    -5,
    -20,
    -87,
    -88,
    -100,
    -1000,
    Infinity,
    -Infinity,
    NaN,
  ]
  const dense = Array.from({ length: 2001 }, (_, i) => -30 + (i * 60) / 2000)
  const x: NDArray = {
    shape: [values.length + dense.length],
    dtype: 'f32',
    data: Float32Array.from([...values, ...dense]),
  }
  const spec = lower(FIXTURE, 'mathFns', [T(x.shape)])
  const { plan } = lowerGraph(spec.graph, {}, WASM_LIMITS)
  const [exp, log, tanh, , , , above, below] = single.run(plan, [x])
  const xs = Array.from(x.data)

  test.each([
    ['exp', exp, Math.exp],
    ['log |x|', log, (v: number) => Math.log(Math.abs(v))],
    ['tanh', tanh, Math.tanh],
  ] as const)('%s: within 4 float32 ulp where finite and normal, exact special values', (name, got, f) => {
    xs.forEach((v, i) => {
      const want = Math.fround(f(v))
      const g = got.data[i]
      const where = `${name}(${v})`
      if (Number.isNaN(want)) return expect(g, where).toBeNaN()
      if (want === 0) return expect(Math.abs(g), where).toBe(0)
      if (!Number.isFinite(want)) return expect(g, where).toBe(want)
      if (Math.abs(want) < 1.2e-38) return expect(Math.abs(g), where).toBeLessThan(1.2e-38) // flushed
      if (name === 'exp' && v > 88) return // 2^128 is out of range: the reduction overflows a little early
      const ulp = Math.abs(want) * 2 ** -23
      expect(Math.abs(g - want) / ulp, where).toBeLessThanOrEqual(4)
    })
  })

  test('max and min against a constant (one instruction each) propagate NaN and clamp ±∞', () => {
    xs.forEach((v, i) => {
      expect(above.data[i], `max(${v}, 0.5)`).toBe(Number.isNaN(v) ? NaN : Math.fround(Math.max(v, 0.5)))
      expect(below.data[i], `min(${v}, -0.25)`).toBe(Number.isNaN(v) ? NaN : Math.fround(Math.min(v, -0.25)))
    })
  })

  test('functions without a wasm instruction call Math one lane at a time', () => {
    const want = interpret(spec.graph, [x], 'f64')
    const got = single.run(plan, [x])
    // on the finite part of the inputs (the dense grid): Math's float64 value rounded once to
    // float32 is within half an ulp, 2^−24 of itself, however small (sin near its zeros)
    for (const i of [4, 5])
      expectClose(
        got[i].data.slice(values.length),
        want[i].data.slice(values.length),
        { rtol: EPS32 / 2, atol: 0 },
        `output ${i}`,
      )
  })
})

describe('runs', () => {
  test('scalars travel as float32 and inputs are checked', () => {
    const spec = lower(rootPath('test/corpus/accepted/linalg.ts'), 'kernelRegression', [
      T([9, 2]),
      T([11, 2]),
      T([11, 1]),
      T([]),
    ])
    const { plan } = lowerGraph(spec.graph, {}, WASM_LIMITS)
    const r = rng(3)
    const ins = [randn([9, 2], r), randn([11, 2], r), randn([11, 1], r), scalar(0.7)]
    // float32 kernels against the float64 interpreter, output by output (test/tolerance.ts)
    expectFloat32Run(spec.graph, single.run(plan, ins), interpret(spec.graph, ins, 'f64'), 'kernelRegression')
    expect(() => single.run(plan, [randn([9, 3], r), ...ins.slice(1)])).toThrow(/expected f32\[9,2\]/)
  })
})

afterAll(async () => {
  await threaded.terminate()
})
