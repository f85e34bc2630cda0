/**
 * Structure tests of fusion (kernel counts and buffers pinned per program), the compiled path
 * against the interpreter, and the kernel cache.
 */
import { describe, expect, test } from 'vitest'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { withinBudget } from '../compiler/fusion/decide.js'
import { LivePeak } from '../compiler/fusion/livePeak.js'
import { fusionContext } from '../compiler/fusion/context.js'
import { backendRewrites } from '../compiler/fusion/rewrites.js'
import { fusionClass } from '../compiler/ir/primitive.js'
import { WASM_LIMITS, WasmRuntime } from '../compiler/backend/wasm/run.js'
import { GpujsRuntime } from '../compiler/backend/gpujs/run.js'
import { emitKernel } from '../compiler/backend/gpujs/emit.js'
import { COMPILE_LIMITS, longThreads, MAX_THREAD_ITERATIONS, webgpuLimits } from '../compiler/backend/webgpu/limits.js'
import type { Plan } from '../compiler/kernel/types.js'
import type { Graph } from '../compiler/ir/types.js'
import { interpret } from '../compiler/ir/interpret.js'
import { specialize } from '../compiler/frontend/specialize.js'
import { printGraph } from '../compiler/ir/print.js'
import { ROOT, livePeak, lower, randn, rng, rootPath, scalar, seeded, T } from './helpers.js'
import { expectFloat32Run } from './tolerance.js'

const FUSION = rootPath('test/fixtures/fusion.ts')
/** The five-op chain of the elementwise benchmark. */
const CHAIN = rootPath('bench/workloads/programs.ts')
const PAPER = rootPath('stdlib/fields/paper.ts')
const LOSS = rootPath('stdlib/fields/driftLoss.ts')
const kernels = (p: Plan) => p.steps.flatMap((s) => (s.k === 'launch' ? [s.kernel] : []))
const intermediates = (p: Plan) => p.buffers.filter((b) => b.role === 'intermediate')
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1)

describe('the L1 programs fusion starts from', () => {
  const ir = (fn: string, shapes: number[][], file = FUSION) => {
    const specs = shapes.map((s) => T(s))
    return printGraph(lower(file, fn, specs).graph, { relativeTo: ROOT })
  }

  test('the five-op chain: one equation per operation, each pointing at its source', () => {
    expect(ir('chain', [[4], [4]], CHAIN)).toMatchInlineSnapshot(`
      "{ lambda a:f32[4] b:f32[4] .
        let c:f32[4] = mul a 1.5:f32  # bench/workloads/programs.ts:9:16
            d:f32[4] = add c b        # bench/workloads/programs.ts:9:25
            e:f32[4] = mul d d        # bench/workloads/programs.ts:10:17
            f:f32[4] = sub e a        # bench/workloads/programs.ts:11:17
            g:f32[4] = abs f          # bench/workloads/programs.ts:12:17
            h:f32[4] = sqrt g         # bench/workloads/programs.ts:12:23
            i:f32[4] = mul h b        # bench/workloads/programs.ts:13:13
            j:f32[4] = add i 0.5:f32  # bench/workloads/programs.ts:13:20
        in (j) }"
    `)
  })

  test('a row softmax: the max is subtracted before exp, the sum divides by one reciprocal per row', () => {
    expect(ir('softmaxRows', [[2, 3]])).toMatchInlineSnapshot(`
      "{ lambda x:f32[2,3] .
        let a:f32[2] = reduce_max[axes=[1]] x      # test/fixtures/fusion.ts:3:49
            b:f32[2,1] = reshape[shape=[2,1]] a    # test/fixtures/fusion.ts:3:49
            c:f32[2,1] = stop_gradient b           # test/fixtures/fusion.ts:3:49
            d:f32[2,3] = broadcast[shape=[2,3]] c  # test/fixtures/fusion.ts:3:49
            e:f32[2,3] = sub x d                   # test/fixtures/fusion.ts:3:49
            f:f32[2,3] = exp e                     # test/fixtures/fusion.ts:3:49
            g:f32[2] = reduce_sum[axes=[1]] f      # test/fixtures/fusion.ts:3:49
            h:f32[2,1] = reshape[shape=[2,1]] g    # test/fixtures/fusion.ts:3:49
            i:f32[2,1] = div 1:f32 h               # test/fixtures/fusion.ts:3:49
            j:f32[2,3] = broadcast[shape=[2,3]] i  # test/fixtures/fusion.ts:3:49
            k:f32[2,3] = mul f j                   # test/fixtures/fusion.ts:3:49
        in (k) }"
    `)
  })
})

describe('kernel counts', () => {
  test('a five-op elementwise chain is one kernel with no intermediate buffer', () => {
    const { plan } = lowerGraph(lower(CHAIN, 'chain', [T([1 << 22]), T([1 << 22])]).graph)
    expect(kernels(plan)).toHaveLength(1)
    expect(intermediates(plan)).toHaveLength(0)
    expect(
      kernels(plan)[0]
        .fused.map((f) => f.prim)
        .sort(),
    ).toEqual(['abs', 'add', 'add', 'mul', 'mul', 'mul', 'sqrt', 'sub'].sort())
  })

  test.each([['softmaxRows'], ['softmaxCols']])(
    '%s is at most two kernels: the max and the sum share one launch',
    (fn) => {
      const { plan } = lowerGraph(lower(FUSION, fn, [T([512, 1000])]).graph)
      expect(kernels(plan).length).toBeLessThanOrEqual(2)
      expect(intermediates(plan).every((b) => size(b.shape) <= 2 * 1000)).toBe(true)
    },
  )

  const field = (n: number, d: number) =>
    lowerGraph(lower(PAPER, 'paperField', [T([n, d]), T([n, d]), T([n, d]), T([])]).graph).plan

  test('paperField, D = 2 (N = P = M = 1024): 4 kernels (row and column logsumexps, each one online loop; the two weight sums; V), distances recomputed, no N×(P+M) buffer', () => {
    const plan = field(1024, 2)
    expect(kernels(plan).map((k) => k.out.shape)).toEqual([
      [1024, 1],
      [1, 2048],
      [2, 1024],
      [1024, 2],
    ])
    expect(kernels(plan)[0].fused.map((f) => f.prim)).not.toContain('reduce_max')
    for (const b of intermediates(plan)) expect(size(b.shape), b.name).toBeLessThan(1024 * 1024)
  })

  test('paperField, D = 64 (N = P = M = 1024): 5 kernels; the cost model stores the distances', () => {
    const plan = field(1024, 64)
    expect(kernels(plan).map((k) => k.out.shape)).toEqual([
      [1024, 2048],
      [3072],
      [2, 1024, 1024],
      [2, 1024],
      [1024, 64],
    ])
  })

  test('paperField at the inspect example size (64×2, 128×2, 64×2) stays within 5 kernels', () => {
    const r = lower(PAPER, 'paperField', [T([64, 2]), T([128, 2]), T([64, 2]), T([])])
    expect(kernels(lowerGraph(r.graph).plan).length).toBeLessThanOrEqual(5)
  })
})

describe('the compiled path', () => {
  const runtimes = { cpu: new GpujsRuntime('cpu'), webasm: new GpujsRuntime('webasm') }

  test.each([['cpu'], ['webasm']] as const)('paperField on %s equals the float64 interpreter', (mode) =>
    seeded((r) => {
      const spec = lower(PAPER, 'paperField', [T([96, 2]), T([80, 2]), T([96, 2]), T([])])
      const inputs = [randn([96, 2], r), randn([80, 2], r), randn([96, 2], r), scalar(0.3 + r())]
      const got = runtimes[mode].run(lowerGraph(spec.graph).plan, inputs)
      // float32 kernels against the float64 interpreter, output by output (test/tolerance.ts)
      expectFloat32Run(spec.graph, got, interpret(spec.graph, inputs, 'f64'), 'paperField')
    }),
  )

  test('the kernels are source strings with constant loop bounds; scalars are arguments', () => {
    const spec = lower(PAPER, 'paperField', [T([8, 2]), T([8, 2]), T([8, 2]), T([])])
    const ks = kernels(lowerGraph(spec.graph).plan)
    expect(ks.filter((k) => k.scalars.includes('s_tau')).length, 'kernels that read τ').toBeGreaterThan(0)
    for (const k of ks) {
      const src = emitKernel(k)
      expect(src).not.toMatch(/for \(let \w+ = 0; \w+ < [A-Za-z_]/) // bounds are literals
      if (k.scalars.includes('s_tau')) expect(src).toMatch(/^function\(.*s_tau\)/)
    }
  })

  test('a second run of the same plan builds no kernel; a new scalar value neither', () =>
    seeded((r) => {
      const rt = new GpujsRuntime('cpu')
      const spec = lower(PAPER, 'paperField', [T([16, 2]), T([16, 2]), T([16, 2]), T([])])
      const plan = lowerGraph(spec.graph).plan
      const ins = [randn([16, 2], r), randn([16, 2], r), randn([16, 2], r), scalar(0.5)]
      rt.run(plan, ins)
      const built = rt.builds
      expect(built).toBe(kernels(plan).length)
      rt.run(plan, [...ins.slice(0, 3), scalar(0.7)])
      expect(rt.builds).toBe(built)
    }))

  test('inputs of the wrong size are refused before anything launches', () => {
    const spec = lower(CHAIN, 'chain', [T([8]), T([8])])
    const plan = lowerGraph(spec.graph).plan
    const r = rng(1)
    expect(() => runtimes.cpu.run(plan, [randn([8], r), randn([7], r)])).toThrow(
      /input b: expected f32\[8\], got f32\[7\]/,
    )
  })

  test('checkNaN names the kernel and the source lines that produced a NaN', () => {
    const spec = lower(CHAIN, 'chain', [T([4]), T([4])])
    const plan = lowerGraph(spec.graph).plan
    const nan = { shape: [4], dtype: 'f32' as const, data: Float64Array.of(1, NaN, 3, 4) }
    expect(() => runtimes.cpu.run(plan, [nan, nan], { checkNaN: true })).toThrow(
      /kernel k_\w+ produced NaN .*programs\.ts:\d+:\d+/,
    )
  })
})

describe('the threaded webasm backend', () => {
  test('runs through gpu.js async mode and equals the synchronous webasm result', async () =>
    seeded(async (r) => {
      const threads = new GpujsRuntime('webasm-threads')
      const spec = lower(PAPER, 'paperField', [T([128, 2]), T([96, 2]), T([128, 2]), T([])])
      const plan = lowerGraph(spec.graph).plan
      const ins = [randn([128, 2], r), randn([96, 2], r), randn([128, 2], r), scalar(0.4)]
      const got = await threads.runAsync(plan, ins)
      expect(threads.lastKernelClass).toBe('WebAssemblyKernel')
      // float32 kernels against the float64 interpreter (test/tolerance.ts), and bit for bit the synchronous run
      expectFloat32Run(spec.graph, got, interpret(spec.graph, ins, 'f64'), 'paperField')
      const [b] = new GpujsRuntime('webasm').run(plan, ins)
      expect(Array.from(got[0].data)).toEqual(Array.from(b.data))
      expect(() => threads.run(plan, ins)).toThrow(/asynchronous: use runAsync/)
    }))
})

describe('compiled gradients', () => {
  const GRADS = rootPath('test/fixtures/grads.ts')
  const obj = (fields: [string, number[]][]) => ({
    tag: 'object' as const,
    fields: fields.map(([k, s]) => [k, T(s)] as [string, ReturnType<typeof T>]),
  })
  const cases = [
    {
      fn: 'mlpLoss',
      specs: [
        obj([
          ['w1', [3, 8]],
          ['b1', [8]],
          ['w2', [8, 2]],
          ['b2', [2]],
        ]),
        T([6, 3]),
        T([6, 2]),
      ],
      shapes: [[3, 8], [8], [8, 2], [2], [6, 3], [6, 2]],
    },
    {
      fn: 'convNetLoss',
      specs: [
        obj([
          ['k1', [3, 1, 3, 3]],
          ['k2', [2, 3, 2, 2]],
          ['head', [18, 2]],
        ]),
        T([2, 1, 6, 6]),
        T([2, 2]),
      ],
      shapes: [
        [3, 1, 3, 3],
        [2, 3, 2, 2],
        [18, 2],
        [2, 1, 6, 6],
        [2, 2],
      ],
    },
    { fn: 'lambdas', specs: [T([4, 5]), T([4, 5]), T([])], shapes: [[4, 5], [4, 5], []] },
    { fn: 'folds', specs: [T([3, 5]), T([])], shapes: [[3, 5], []] },
  ]
  test.each(cases.map((c) => [c.fn, c] as const))(
    'valueAndGrad(%s) on webasm equals the float64 interpreter',
    (_n, c) => {
      const r = specialize(
        { file: GRADS, exportName: c.fn, transform: { kind: 'valueAndGrad', argnums: [0] } },
        c.specs,
      )
      if (r._tag === 'Left') throw new Error(r.left.map((d) => d.message).join('\n'))
      seeded((rand) => {
        const inputs = c.shapes.map((s) => (s.length === 0 ? scalar(0.5 + rand()) : randn(s, rand, 0.5)))
        const got = new GpujsRuntime('webasm').run(lowerGraph(r.right.graph).plan, inputs)
        const want = interpret(r.right.graph, inputs, 'f64')
        // float32 kernels against the float64 interpreter, output by output (test/tolerance.ts)
        expectFloat32Run(r.right.graph, got, want, c.fn)
      })
    },
  )
})

describe('fusion hints', () => {
  const dist = (fn: string) => lowerGraph(lower(FUSION, fn, [T([512, 64]), T([512, 64]), T([])]).graph).plan
  test("hint(x, 'inline') keeps a value out of every buffer; hint(x, 'materialize') stores it", () => {
    // a kernel that computes nothing but the distances exists only when they are stored
    const distanceKernels = (p: Plan) =>
      kernels(p).filter((k) => k.fused.every((f) => f.prim === 'cdist' || f.prim === 'hint'))
    expect(distanceKernels(dist('recomputedDistances'))).toHaveLength(0)
    const stored = dist('storedDistances')
    expect(distanceKernels(stored)).toHaveLength(1)
    expect(stored.buffers.find((b) => b.name === distanceKernels(stored)[0].out.buf)!.reason).toMatch(
      /hint: materialize/,
    )
  })
})

describe('backend limits', () => {
  test('under a 7-buffer limit the array arguments are packed into one buffer, with the same results', () =>
    seeded((r) => {
      const spec = lower(
        FUSION,
        'nineInputs',
        Array.from({ length: 9 }, () => T([32])),
      )
      const free = lowerGraph(spec.graph).plan
      const limited = lowerGraph(spec.graph, {}, { maxBuffers: 7 }).plan
      expect(kernels(free)[0].buffers).toHaveLength(9)
      expect(kernels(limited)[0].buffers).toEqual(['args'])
      expect(limited.buffers.find((b) => b.name === 'args')!.packs).toHaveLength(9)
      const ins = Array.from({ length: 9 }, () => randn([32], r))
      const rt = new GpujsRuntime('cpu')
      const packed = rt.run(limited, ins)
      // float32 kernels against the float64 interpreter (test/tolerance.ts), and bit for bit the unpacked plan
      expectFloat32Run(spec.graph, packed, interpret(spec.graph, ins, 'f64'), 'nineInputs')
      expect(Array.from(packed[0].data)).toEqual(Array.from(rt.run(free, ins)[0].data))
    }))
  test('under a 7-buffer limit a 20-way sum and a 20-way concat become trees of kernels of at most 7 reads, with the same results', () =>
    seeded((r) => {
      const spec = lower(FUSION, 'wideFanIn', [T([20, 16])])
      // unstacked, as in plans of more kernels than stacking considers (a training step's)
      const free = lowerGraph(spec.graph, {}, { stacking: false }).plan
      const limits = { maxBuffers: 7, stacking: false, rewrites: ['narrowConcats' as const] }
      const limited = lowerGraph(spec.graph, {}, limits).plan
      expect(Math.max(...kernels(free).map((k) => k.buffers.length))).toBeGreaterThan(7)
      expect(Math.max(...kernels(limited).map((k) => k.buffers.length))).toBeLessThanOrEqual(7)
      const reasons = intermediates(limited).map((b) => b.reason)
      expect(reasons.some((w) => /part of a concatenation of more tensors than the 7 buffers/.test(w ?? ''))).toBe(true)
      expect(reasons.some((w) => /its inline code reads \d+ buffers: stored/.test(w ?? ''))).toBe(true)
      const ins = [randn([20, 16], r)]
      expectFloat32Run(
        spec.graph,
        new GpujsRuntime('cpu').run(limited, ins),
        interpret(spec.graph, ins, 'f64'),
        'wideFanIn',
      )
    }))
})

describe('the memory budget', () => {
  const limits = (budget: number) => ({ ...WASM_LIMITS, memoryBudget: budget })
  const loopsOf = (g: Graph) => g.eqns.filter((e) => fusionClass(e.prim) === 'loop').flatMap((e) => e.outputs)
  const stored = (plan: Plan) => plan.buffers.filter((b) => b.role !== 'input').map((b) => size(b.shape))
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

  test('the peak of lifetimes, kept as they are added and removed, equals a step-by-step count', () =>
    seeded((r) => {
      const steps = 37
      const peak = new LivePeak(steps)
      const count = new Float64Array(steps)
      const live: [number, number, number][] = []
      for (let i = 0; i < 400; i++) {
        if (live.length && r() < 0.4) {
          const [first, last, size] = live.splice(Math.floor(r() * live.length), 1)[0]
          peak.add(first, last, -size)
          for (let t = first; t <= last; t++) count[t] -= size
        } else {
          const first = Math.floor(r() * steps)
          const last = first + Math.floor(r() * (steps - first))
          const size = 1 + Math.floor(r() * 1000)
          live.push([first, last, size])
          peak.add(first, last, size)
          for (let t = first; t <= last; t++) count[t] += size
        }
        expect(peak.peak()).toBe(Math.max(...count))
        expect(count[peak.peakStep()]).toBe(peak.peak())
      }
    }))

  test('the search starts from every candidate stored while the live buffers fit the budget, though their sum passes it', () => {
    const { graph } = lower(FUSION, 'productChain', [T([64, 64])])
    const ctx = (budget: number) => fusionContext(backendRewrites(graph, limits(budget)), {}, limits(budget))
    const loops = loopsOf(graph)
    expect(loops).toHaveLength(24)
    // each product is read only by the next: two live at a time, whatever the sum
    expect(withinBudget(ctx(3 * 4096), new Set(), loops)).toEqual(loops.map((v) => v.id))
    // under one product's size, none can be stored
    expect(withinBudget(ctx(4095), new Set(), loops)).toEqual([])
    // a candidate larger than one buffer holds is never stored
    const bound = { ...limits(Infinity), maxBufferElements: 4095 }
    expect(withinBudget(fusionContext(backendRewrites(graph, bound), {}, bound), new Set(), loops)).toEqual([])
  })

  test('a chain of 24 products under a budget of 3 of them: every product stored, at most 3 live, the same results', () =>
    seeded((r) => {
      const s = lower(FUSION, 'productChain', [T([64, 64])])
      const { plan } = lowerGraph(s.graph, {}, limits(3 * 4096))
      expect(stored(plan)).toHaveLength(24)
      expect(sum(stored(plan))).toBe(24 * 4096)
      expect(livePeak(plan)).toBeLessThanOrEqual(3 * 4096)
      const ins = [randn([64, 64], r)]
      expectFloat32Run(s.graph, new WasmRuntime().run(plan, ins), interpret(s.graph, ins, 'f64'), 'productChain')
    }))

  test('48 products of 64×64 all live until they are summed, under a budget of 20 of them: 19 stored, the rest recomputed, the same results', () =>
    seeded((r) => {
      const s = lower(FUSION, 'manyProducts', [T([64, 64])])
      const { plan, explain } = lowerGraph(s.graph, {}, limits(20 * 4096))
      expect(livePeak(plan)).toBeLessThanOrEqual(20 * 4096)
      const kept = intermediates(plan).map((b) => size(b.shape))
      expect(kept).toHaveLength(19)
      // --explain names the budget as the reason the rest are recomputed
      expect(explain.some((line) => line.includes("past the backend's memory budget of 8.19e+4 elements"))).toBe(true)
      const ins = [randn([64, 64], r)]
      expectFloat32Run(s.graph, new WasmRuntime().run(plan, ins), interpret(s.graph, ins, 'f64'), 'manyProducts')
    }))
})

describe('split reductions on a backend of many threads', () => {
  // drift compile's webgpu limits; driftLoss as the GPU benchmark runs it (16 unconditional negatives)
  const gpu = webgpuLimits(COMPILE_LIMITS)
  const loss = (n: number, d: number) =>
    lower(LOSS, 'driftLoss', [T([1, n, d]), T([1, 16, d]), T([1, n, d]), T([1])]).graph

  test.each([
    [2048, 2],
    [2048, 64],
    [8192, 2],
    [8192, 64],
  ])(
    `driftLoss at N = %i, D = %i: the full-matrix mean sums stored row sums; no thread loops more than ${MAX_THREAD_ITERATIONS} times`,
    (n, d) => {
      const { plan } = lowerGraph(loss(n, d), {}, gpu)
      expect(longThreads(plan)).toEqual([])
      const rows = plan.buffers.filter((b) => /split reduction's rows/.test(b.reason ?? ''))
      expect(rows.map((b) => b.shape)).toContainEqual([1, n])
    },
  )

  test('without the split, the mean is one thread over all N·(2N + 16) pairs, and the check names its kernel', () => {
    const n = 8192
    const { plan } = lowerGraph(loss(n, 2), {}, { ...gpu, rewrites: [] })
    const long = longThreads(plan)
    expect(long.length).toBeGreaterThan(0)
    expect(long[0]).toMatchObject({ threads: 1 })
    expect(long[0].trips).toBeGreaterThanOrEqual(n * (2 * n + 16))
  })
})
