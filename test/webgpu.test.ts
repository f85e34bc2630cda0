/**
 * drift's webgpu backend (compiler/backend/webgpu): the plans it lowers, the WGSL it writes, and on
 * both adapters (test/gpu.ts: Vulkan and OpenGL) device-resident runs, the two programs gpu.js's
 * WGSL got wrong on Dawn over llvmpipe (the drift loss per temperature, a difference of two
 * full-matrix means), math at special values, staged contractions with remainders, refusals and
 * profiling; then the differential suite: every program of the accepted corpus, every field of the
 * stdlib catalog, the drift loss, the toy training step and the image layers of stdlib/nn. Programs
 * run against the float64 interpreter, float outputs per element within float32Tolerance (test/gpu.ts:
 * relative 2⁻¹⁷·√L with a floor of that fraction of the output's RMS, refused if it could not catch
 * a 1 % error), integer and boolean outputs exactly. Every failure names its seed; CORPUS_SEED=<n>
 * replays one. One file, so that the two software adapters never compete with each other for the cores.
 */
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { compileToDir } from '../compiler/aot/compile.js'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { interpret } from '../compiler/ir/interpret.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { sizeOf } from '../compiler/ir/shape.js'
import type { Kernel, Plan } from '../compiler/kernel/types.js'
import { loopTrips } from '../compiler/kernel/analyze.js'
import { compileKernel, CONSTANT_SLOTS } from '../compiler/backend/webgpu/codegen.js'
import { COMPILE_LIMITS, PORTABLE_LIMITS, webgpuLimits } from '../compiler/backend/webgpu/limits.js'
import { checkKernel } from '../compiler/backend/webgpu/validate.js'
import { WebGPURuntime } from '../compiler/backend/webgpu/run.js'
import type { DeviceLimits } from '../compiler/backend/webgpu/adapter.js'
import { planToJson, planFromJson } from '../compiler/kernel/serialize.js'
import { lower, randn, ROOT, rootPath, S, scalar, seeded, T } from './helpers.js'
import { describeEachAdapter, differential, lowerOnce } from './gpu.js'
import { expectFloat32Run } from './tolerance.js'
import { specialize, type ArgSpec } from '../compiler/frontend/specialize.js'
import { CASES } from './corpus/accepted-cases.js'
import { FIELDS, LANDMARKS, type FieldEntry } from '../stdlib/fields/catalog.js'

const FIX = rootPath('test/fixtures/webgpu.ts')
const PAPER = rootPath('stdlib/fields/paper.ts')
/** lavapipe's limits (Vulkan), and llvmpipe's OpenGL ones with its loop budget. */
const LAVAPIPE: DeviceLimits = {
  ...PORTABLE_LIMITS,
  maxStorageBuffersPerShaderStage: 16,
  maxComputeWorkgroupStorageSize: 32768,
}
const LLVMPIPE_GL: DeviceLimits = { ...LAVAPIPE, maxThreadIterations: 65535 }
const launches = (p: Plan) => p.steps.flatMap((s) => (s.k === 'launch' ? [s.kernel] : []))
const field = (n: number, d: number) => lower(PAPER, 'paperField', [T([n, d]), T([n, d]), T([n, d]), T([])])
const wgsl = (k: Kernel, plan: Plan, limits: DeviceLimits) =>
  compileKernel(k, { limits, scalarSlot: new Map(plan.scalars.map((s, i) => [s.name, CONSTANT_SLOTS + i])) })

describe('plans lowered for webgpu', () => {
  test.each([
    ['WebGPU defaults', PORTABLE_LIMITS, [2048, 8192, 32768]],
    ['lavapipe', LAVAPIPE, [2048, 8192, 32768]],
    ['llvmpipe OpenGL (loop budget)', LLVMPIPE_GL, [2048, 8192]],
  ] as const)('paperField at D = 2 keeps no N×(P+M) buffer, only O(N) ones (%s)', (_, limits, sizes) => {
    for (const n of sizes) {
      const { plan } = lowerGraph(field(n, 2).graph, {}, webgpuLimits(limits))
      const stored = plan.buffers.filter((b) => b.role !== 'input')
      expect(stored.length, `N = ${n}`).toBeGreaterThan(1)
      for (const b of stored) expect(sizeOf(b.shape), `N = ${n}: ${b.name} [${b.shape}]`).toBeLessThanOrEqual(4 * 3 * n)
    }
  })

  test('paperField at D = 64 stores its logits while they fit one binding and recomputes them beyond', () => {
    const at = (n: number) => lowerGraph(field(n, 64).graph, {}, webgpuLimits(LAVAPIPE)).plan
    const max = LAVAPIPE.maxStorageBufferBindingSize / 4
    expect(at(1024).buffers.some((b) => sizeOf(b.shape) === 1024 * 2048)).toBe(true)
    for (const b of at(8192).buffers) expect(sizeOf(b.shape), b.name).toBeLessThanOrEqual(max)
  })

  test('a device that stops loops early gets kernels within its budget, or a refusal naming the kernel', () => {
    // the official loss recomputes each temperature's ‖V‖² (3 × 30 000 iterations) where no budget applies
    const loss = lower(rootPath('stdlib/fields/driftLoss.ts'), 'driftLoss', [
      T([2, 24, 6]),
      T([2, 8, 6]),
      T([2, 20, 6]),
      T([2]),
    ])
    const over = (limits: DeviceLimits) => {
      const plan = lowerGraph(loss.graph, {}, webgpuLimits(limits)).plan
      return launches(plan).filter((k) => wgsl(k, plan, limits).iterations > 65535)
    }
    expect(over(LAVAPIPE).length).toBeGreaterThan(0)
    expect(over(LLVMPIPE_GL)).toEqual([])
    expect(() => lowerGraph(field(32768, 2).graph, {}, webgpuLimits(LLVMPIPE_GL))).toThrow(
      /kernel k_\w+ runs \d+ loop iterations per thread, more than the 65535/,
    )
  })

  test("the drift loss's plan binds what its kernels need: no thread goes over the pairs per row", () => {
    // with 16 storage buffers the last kernels read the stored row sums (the full-matrix mean adds
    // stored row sums, transforms/splitReductions.ts); under WebGPU's 8 they could not, and one
    // thread looped over all pairs for every row (1.5·10¹¹ iterations at N = 256) until values
    // whose inline code reads more than 7 buffers were stored (fusion/fanIn.ts): there logits of
    // the three temperatures are stored instead
    const n = 256
    const loss = lower(rootPath('stdlib/fields/driftLoss.ts'), 'driftLoss', [
      T([1, n, 2]),
      T([1, 16, 2]),
      T([1, n, 2]),
      T([1]),
    ])
    const plan = (limits: DeviceLimits) => lowerGraph(loss.graph, {}, webgpuLimits(limits)).plan
    const worst = (p: Plan) => Math.max(...launches(p).map((k) => loopTrips(k.body)))
    const logits = (p: Plan) => p.buffers.filter((b) => sizeOf(b.shape) >= 3 * n * (2 * n + 16))
    for (const limits of [PORTABLE_LIMITS, COMPILE_LIMITS])
      expect(worst(plan(limits))).toBeLessThan((n * (2 * n + 16)) / 16)
    expect(
      logits(plan(PORTABLE_LIMITS)).some((b) => /its inline code reads 7 buffers: stored/.test(b.reason ?? '')),
    ).toBe(true)
  })

  test('a kernel writing more than one binding holds is never chosen, and an output that must is refused', () => {
    const big = lower(rootPath('test/fixtures/wasm.ts'), 'affinities', [T([6000, 2]), T([6000, 2])])
    expect(() => lowerGraph(big.graph, {}, webgpuLimits(PORTABLE_LIMITS))).toThrow(
      /writes 36000000 elements, more than the 33554432 one buffer holds/,
    )
  })

  test('contractions are staged in workgroup memory (remainders included); narrow rows take a block per thread', () => {
    const spec = lower(FIX, 'contractions', [T([70, 45]), T([45, 83]), T([70, 20]), T([37, 45])])
    const { plan } = lowerGraph(spec.graph, {}, webgpuLimits(LAVAPIPE))
    const tiles = launches(plan).map((k) => wgsl(k, plan, LAVAPIPE).tile)
    expect(tiles.filter((t) => t.kind === 'staged').length).toBeGreaterThanOrEqual(2)
    // paperField's weighted sum over two coordinates: one thread per row computes both
    const p = lowerGraph(field(512, 2).graph, {}, webgpuLimits(LAVAPIPE)).plan
    const ba = launches(p).find((k) => k.out.buf === 'ba')!
    expect(wgsl(ba, p, LAVAPIPE).tile).toMatchObject({ kind: 'threads', cols: 2 })
    // at D = 64 the logits of the two concatenated target sets are one staged contraction
    const p64 = lowerGraph(field(256, 64).graph, {}, webgpuLimits(LAVAPIPE)).plan
    const l = launches(p64).find((k) => k.out.buf === 'l')!
    const w = wgsl(l, p64, LAVAPIPE)
    expect(w.tile.kind).toBe('staged')
    expect(w.code).toMatch(/if \(wx0 < 256\)/)
  })

  test('a kernel read from a damaged plan file is refused before it becomes WGSL', () => {
    const { plan } = lowerGraph(field(16, 2).graph, {}, webgpuLimits(LAVAPIPE))
    const text = planToJson(plan)
    for (const k of launches(planFromJson(text))) expect(() => checkKernel(k)).not.toThrow()
    const bad = launches(planFromJson(text.replace(/"n":(\d+)/, '"n":"$1; } fn evil() {"')))
    expect(() => bad.forEach(checkKernel)).toThrow(/a loop has no counter or no count; the plan is damaged/)
    const unknown = launches(planFromJson(text.replace(/"op":"sqrt"/, '"op":"system"')))
    expect(() => unknown.forEach(checkKernel)).toThrow(/unknown operation 'system'/)
  })
})

/** Special values every math function must treat as the reference does. */
const SPECIAL = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  2.5,
  -2.5,
  1e-30,
  -1e-30,
  20,
  -20,
  88,
  89,
  -87,
  -104,
  1e30,
  Infinity,
  -Infinity,
  NaN,
]

/** Same NaNs and infinities as the reference, finite values within `rel` (4 ulp by default; a floor of 2⁻¹²⁶, as GPUs flush subnormals). */
function expectSameValues(got: ArrayLike<number>, want: ArrayLike<number>, what: string, rel = 4 * 2 ** -23): void {
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i], Math.fround(want[i])]
    const ok = Number.isNaN(w)
      ? Number.isNaN(g)
      : !Number.isFinite(w)
        ? g === w
        : Math.abs(g - w) <= rel * Math.abs(w) + 2 ** -126
    if (!ok) throw new Error(`${what}: element ${i} is ${g}, want ${w}`)
  }
}

describeEachAdapter('the webgpu backend', (t) => {
  test('paperField stays on the device: unchanged inputs are not uploaded again, one readback per call, no new buffers', () =>
    seeded(async (r) => {
      const where = `paperField residency on webgpu/${t.api}`
      const spec = field(200, 2)
      const { plan } = lowerGraph(spec.graph, {}, webgpuLimits(t.info.limits))
      const [x, pos] = [randn([200, 2], r), randn([200, 2], r)]
      const inputs = [x, pos, x, scalar(0.05 + r())]
      const rt = t.runtime
      await rt.run(plan, inputs)
      const [uploads, readbacks, buffers] = [rt.uploads, rt.readbacks, rt.buffersCreated]
      const [again] = await rt.run(plan, inputs)
      expect(rt.uploads - uploads, `${where}: uploads of unchanged inputs`).toBe(0)
      expect(rt.readbacks - readbacks, `${where}: readbacks`).toBe(1)
      expect(rt.buffersCreated - buffers, `${where}: buffers created`).toBe(0)
      expect(launches(plan).length).toBeGreaterThan(1)
      expectFloat32Run(spec.graph, [again], interpret(spec.graph, inputs, 'f64'), where)
      // a new pos: that one input goes up again
      const moved = [x, randn([200, 2], r), x, inputs[3]]
      const [got] = await rt.run(plan, moved)
      expect(rt.uploads - uploads, `${where}: uploads after one input changed`).toBe(1)
      expectFloat32Run(spec.graph, [got], interpret(spec.graph, moved, 'f64'), where)
    }))

  test('the drift loss per temperature: finite, and equal to the float64 interpreter (sizes of an image-feature batch)', () =>
    seeded(async (r) => {
      const where = `driftLoss on webgpu/${t.api}`
      const [B, Cg, Cn, Cp, S] = [2, 64, 16, 48, 16]
      const spec = lowerOnce(rootPath('stdlib/fields/driftLoss.ts'), 'driftLoss', [
        T([B, Cg, S]),
        T([B, Cn, S]),
        T([B, Cp, S]),
        T([B]),
      ])
      const w: NDArray = { shape: [B], dtype: 'f32', data: Float64Array.of(Math.fround(1 + 3 * r()), 1) }
      const [loss, perT] = await differential(
        t,
        spec,
        [randn([B, Cg, S], r), randn([B, Cn, S], r), randn([B, Cp, S], r), w],
        where,
      )
      expect([...loss.data, ...perT.data].every(Number.isFinite), `${where}: finite`).toBe(true)
      expect(perT.shape).toEqual([3])
    }))

  test.each([256, 600])('a difference of two full-matrix means (N = %i: N² terms each)', (n) =>
    seeded(async (r) => {
      const where = `meanDifference N=${n} on webgpu/${t.api}`
      const spec = lowerOnce(FIX, 'meanDifference', [T([n, 2]), T([n, 2])])
      const y = randn([n, 2], r)
      for (let i = 0; i < y.data.length; i += 2) y.data[i] += 1.5
      await differential(t, spec, [randn([n, 2], r), y], where)
    }),
  )

  test('the energy distance of stdlib/metrics (three full-matrix means)', () =>
    seeded(async (r) => {
      const where = `energyDistance on webgpu/${t.api}`
      const n = 300
      const spec = lowerOnce(rootPath('stdlib/metrics/energy.ts'), 'energyDistance', [T([n, 2]), T([n, 2])])
      const y = randn([n, 2], r, 1.5)
      await differential(t, spec, [randn([n, 2], r), y], where)
    }))

  test('exp, log, tanh, sqrt, pow, sin, atan2 and the rest at 0, ±∞, NaN, negatives and the ends of the float range', async () => {
    const x: NDArray = { shape: [SPECIAL.length], dtype: 'f32', data: Float64Array.from(SPECIAL) }
    const run = async (fn: string, ins: NDArray[]) => {
      const spec = lowerOnce(
        FIX,
        fn,
        ins.map((a) => T(a.shape)),
      )
      const got = await t.runtime.run(lowerGraph(spec.graph, {}, webgpuLimits(t.info.limits)).plan, ins)
      return [got, interpret(spec.graph, ins, 'f64')] as const
    }
    const [unary, unaryWant] = await run('unaryFns', [x])
    // exp, log, tanh, sqrt, abs, sign, rounding, max and min within 4 ulp; the functions built from them within 8;
    // 2 ** x is pow (below)
    unaryWant.forEach((w, i) =>
      expectSameValues(
        unary[i].data,
        w.data,
        `unary output ${i}`,
        i === 16 ? 2 ** -17 : [4, 5, 11, 12, 13, 17, 18, 19, 20, 21].includes(i) ? 8 * 2 ** -23 : undefined,
      ),
    )
    // sin, cos and tan are accurate for |x| < 8192·π (Cephes's reduction); past that, like any float32 GPU sin, not
    const [trig, trigWant] = await run('trigFns', [x])
    const small = SPECIAL.map((v, i) => [v, i] as const)
      .filter(([v]) => !(Math.abs(v) >= 8192))
      .map(([, i]) => i)
    trigWant.forEach((w, i) => {
      const keep = i < 3 ? small : SPECIAL.map((_, k) => k)
      expectSameValues(
        keep.map((k) => trig[i].data[k]),
        keep.map((k) => w.data[k]),
        `trig output ${i}`,
        8 * 2 ** -23,
      )
    })
    // every pair of special values
    const a = Float64Array.from(SPECIAL.flatMap((u) => SPECIAL.map(() => u)))
    const b = Float64Array.from(SPECIAL.flatMap(() => SPECIAL))
    const ins: NDArray[] = [
      { shape: [a.length], dtype: 'f32', data: a },
      { shape: [b.length], dtype: 'f32', data: b },
    ]
    const [got2, want2] = await run('binaryFns', ins)
    for (const i of [1, 2, 5]) expectSameValues(got2[i].data, want2[i].data, `binary output ${i}`)
    expectSameValues(got2[3].data, want2[3].data, 'atan2', 8 * 2 ** -23)
    // pow = exp(y·log|x|) in float32: NaN and ±∞ exactly, finite values within 2⁻¹⁷ (y·log|x| carries its rounding)
    expectSameValues(got2[0].data, want2[0].data, 'pow', 2 ** -17)
    // % where x / y is exact in float32 (|x / y| < 2²²)
    const at = [...a.keys()].filter((k) => !Number.isFinite(a[k] / b[k]) || Math.abs(a[k] / b[k]) < 2 ** 22)
    expectSameValues(
      at.map((k) => got2[4].data[k]),
      at.map((k) => want2[4].data[k]),
      '%',
      2 ** -21,
    )
  })

  test('matmuls and distances with remainders in every direction (staged contractions)', () =>
    seeded(async (r) => {
      const where = `contractions on webgpu/${t.api}`
      const spec = lowerOnce(FIX, 'contractions', [T([70, 45]), T([45, 83]), T([70, 20]), T([37, 45])])
      await differential(
        t,
        spec,
        [randn([70, 45], r), randn([45, 83], r), randn([70, 20], r), randn([37, 45], r)],
        where,
      )
      const big = lowerOnce(FIX, 'contractions', [T([130, 100]), T([100, 140]), T([130, 66]), T([64, 100])])
      await differential(
        t,
        big,
        [randn([130, 100], r), randn([100, 140], r), randn([130, 66], r), randn([64, 100], r)],
        where,
      )
    }))

  test('long rows: one thread per row, thousands of terms each', () =>
    seeded(async (r) => {
      const where = `rowSums on webgpu/${t.api}`
      const spec = lowerOnce(FIX, 'rowSums', [T([40, 5000])])
      await differential(t, spec, [randn([40, 5000], r)], where)
    }))

  test('checkNaN stops at the first kernel that writes a NaN and names it', async () => {
    const spec = lowerOnce(rootPath('test/fixtures/wasm.ts'), 'mathFns', [T([4])])
    const x: NDArray = { shape: [4], dtype: 'f32', data: Float64Array.of(1, -2, 3, 4) }
    const plan = lowerGraph(spec.graph, {}, webgpuLimits(t.info.limits)).plan
    await expect(t.runtime.run(plan, [x], { checkNaN: true })).rejects.toThrow(
      /kernel k_\w+ produced NaN \(it computes .*log/,
    )
  })

  test('DRIFT_PROFILE times every kernel (device timestamps where the adapter has them)', async () => {
    const rt = new WebGPURuntime({ api: t.api, profile: true })
    try {
      const spec = field(64, 2)
      const plan = lowerGraph(spec.graph, {}, webgpuLimits(t.info.limits)).plan
      const r = () => 0.25
      for (let i = 0; i < 2; i++)
        await rt.run(plan, [randn([64, 2], r), randn([64, 2], r), randn([64, 2], r), scalar(0.1)])
      expect([...rt.profile!.keys()].sort()).toEqual(
        launches(plan)
          .map((k) => k.name)
          .sort(),
      )
      for (const [name, time] of rt.profile!) {
        expect(time.ms.length, name).toBe(2)
        expect(
          time.ms.every((ms) => ms >= 0 && Number.isFinite(ms)),
          name,
        ).toBe(true)
        expect(time.what, name).toMatch(/paper\.ts:\d+/)
      }
    } finally {
      rt.destroy()
    }
  })

  test('drift compile writes a webgpu plan the runtime bundle runs on this adapter', () =>
    seeded(async (r) => {
      const where = `AOT paperField on webgpu/${t.api}`
      const dir = path.join(ROOT, '.drift-cache', `aot-webgpu-${process.pid}-${t.api}`)
      const specs = [T([40, 2]), T([56, 2]), T([40, 2]), T([])]
      const spec = lowerOnce(PAPER, 'paperField', specs)
      await compileToDir(spec, specs, ['x', 'pos', 'neg', 'tau'], PAPER, dir)
      const { load } = await import(pathToFileURL(path.join(dir, 'drift-runtime.mjs')).href)
      const previous = process.env.DRIFT_WEBGPU_API
      process.env.DRIFT_WEBGPU_API = t.api
      try {
        const [x, pos] = [randn([40, 2], r), randn([56, 2], r)].map((a) => ({ ...a, data: Float32Array.from(a.data) }))
        const got = await load(dir, 'webgpu').paperField(x, pos, x, 0.2)
        expectFloat32Run(spec.graph, [got], interpret(spec.graph, [x, pos, x, scalar(0.2)], 'f64'), where)
      } finally {
        if (previous === undefined) delete process.env.DRIFT_WEBGPU_API
        else process.env.DRIFT_WEBGPU_API = previous
        fs.rmSync(dir, { recursive: true, force: true })
      }
    }))

  test('inputs of the wrong shape are refused before anything is uploaded', async () => {
    const plan = lowerGraph(field(16, 2).graph, {}, webgpuLimits(t.info.limits)).plan
    const before = t.runtime.uploads
    await expect(t.runtime.run(plan, [randn([16, 3], () => 0.5)])).rejects.toThrow(
      /input x: expected f32\[16,2\], got f32\[16,3\]/,
    )
    expect(t.runtime.uploads).toBe(before)
  })

  test('a plan holding more than the device memory limit at once is refused in one line before anything is uploaded', async () => {
    const n = 2 ** 24
    const spec = lowerOnce(FIX, 'scaledCopies', [T([n])])
    const plan = lowerGraph(spec.graph, {}, webgpuLimits(t.info.limits)).plan
    const before = t.runtime.uploads
    await expect(t.runtime.run(plan, [{ shape: [n], dtype: 'f32', data: new Float32Array(n) }])).rejects.toThrow(
      /^this run needs 4\.6 GiB of buffers at once on the webgpu backend, more than its limit of 4\.0 GiB; the largest is buffer \w+ f32\[16777216\] \(64\.0 MiB\): run smaller batches or shapes$/,
    )
    expect(t.runtime.uploads).toBe(before)
  })
})

// ---- the differential suite ----

describeEachAdapter('the accepted corpus', (t) => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) =>
    seeded(async (r) => {
      const where = `${c.name} on webgpu/${t.api}`
      const args = typeof c.args === 'function' ? c.args(r) : c.args
      await differential(t, lowerOnce(rootPath(c.file), c.fn, args), c.inputs(r), where, c.tol32)
    }),
  )
})

const fieldFile = (f: FieldEntry) => rootPath('stdlib/fields', f.file)
/** Traced arguments after tau: a = b = 1 for scaledField; Nyström's landmarks and ridge. */
const extraInputs = (f: FieldEntry, r: () => number, d: number): NDArray[] =>
  f.name === 'scaledField'
    ? [scalar(1), scalar(1)]
    : f.name === 'nystromField'
      ? [randn([LANDMARKS, d], r), scalar(1e-3)]
      : []

describeEachAdapter('the stdlib fields, the drift loss, the toy training step', (t) => {
  test.each(FIELDS.map((f) => [f.name, f] as const))('field %s', (_, f) =>
    seeded(async (r) => {
      const where = `${f.name} on webgpu/${t.api}`
      const [N, P, d] = [24, 20, 3]
      const spec = lowerOnce(fieldFile(f), f.name, [T([N, d]), T([P, d]), T([N, d]), T([]), ...f.extra(d)])
      const x = randn([N, d], r)
      await differential(t, spec, [x, randn([P, d], r), x, scalar(0.5 + r()), ...extraInputs(f, r, d)], where)
    }),
  )

  test('driftLoss: loss and the three per-temperature ‖V‖²', () =>
    seeded(async (r) => {
      const where = `driftLoss on webgpu/${t.api}`
      const [B, Cg, Cn, Cp, S] = [2, 24, 8, 20, 6]
      const spec = lowerOnce(rootPath('stdlib/fields/driftLoss.ts'), 'driftLoss', [
        T([B, Cg, S]),
        T([B, Cn, S]),
        T([B, Cp, S]),
        T([B]),
      ])
      const w: NDArray = { shape: [B], dtype: 'f32', data: Float64Array.of(Math.fround(1 + 3 * r()), 1) }
      await differential(t, spec, [randn([B, Cg, S], r), randn([B, Cn, S], r), randn([B, Cp, S], r), w], where)
    }))

  test('driftLoss at N = 256, D = 2 (its full-matrix mean split, the row sums stored): loss and ‖V‖²', () =>
    seeded(async (r) => {
      const where = `driftLoss N=256 on webgpu/${t.api}`
      const n = 256
      const spec = lowerOnce(rootPath('stdlib/fields/driftLoss.ts'), 'driftLoss', [
        T([1, n, 2]),
        T([1, 16, 2]),
        T([1, n, 2]),
        T([1]),
      ])
      const { plan } = lowerGraph(spec.graph, {}, webgpuLimits(t.info.limits))
      const rows = plan.buffers.filter((b) => /split reduction's rows/.test(b.reason))
      expect(
        rows.map((b) => b.shape),
        `${where}: the distance mean's row sums`,
      ).toContainEqual([1, n])
      const w: NDArray = { shape: [1], dtype: 'f32', data: Float64Array.of(Math.fround(1 + 3 * r())) }
      await differential(t, spec, [randn([1, n, 2], r), randn([1, 16, 2], r), randn([1, n, 2], r), w], where)
    }))

  test('the toy training step (trainStep with paperField: loss, gradient through the MLP, Adam)', () =>
    seeded(async (r) => {
      const where = `trainStep on webgpu/${t.api}`
      const sizes = [8, 32, 32, 2]
      const batch = 48
      const layers = sizes.slice(1).map((o, i) => [sizes[i], o] as const)
      const lin = ([i, o]: readonly [number, number]): ArgSpec => ({
        tag: 'object',
        fields: [
          ['w', T([i, o])],
          ['b', T([o])],
        ],
      })
      const params: ArgSpec = { tag: 'array', items: layers.map(lin) }
      const state: ArgSpec = {
        tag: 'object',
        fields: [
          ['step', T([])],
          ['m', params],
          ['v', params],
        ],
      }
      const paper: ArgSpec = { tag: 'fn', ref: { file: rootPath('stdlib/fields/paper.ts'), exportName: 'paperField' } }
      const spec = lowerOnce(rootPath('stdlib/toy2d/step.ts'), 'trainStep', [
        params,
        state,
        T([batch, sizes[0]]),
        T([batch, 2]),
        T([]),
        T([]),
        paper,
        T([]),
        T([]),
      ])
      const tensors = () => layers.flatMap(([i, o]) => [randn([i, o], r, 1 / Math.sqrt(i)), randn([o], r, 0.1)])
      const moments = () => tensors().map((a) => ({ ...a, data: a.data.map((v) => Math.fround(Math.abs(v) * 1e-2)) }))
      const inputs = [
        ...tensors(),
        scalar(3),
        ...tensors().map((a) => ({ ...a, data: a.data.map((v) => Math.fround(v * 1e-2)) })),
        ...moments(),
        randn([batch, sizes[0]], r),
        randn([batch, 2], r),
        scalar(0.05),
        scalar(1e-3),
        scalar(0.9),
        scalar(0.999),
      ]
      expect(inputs.length).toBe(spec.graph.inputs.length)
      await differential(t, spec, inputs, where)
    }))
})

const NN = (f: string) => rootPath(`stdlib/nn/${f}.ts`)
const obj = (fields: [string, ArgSpec][]): ArgSpec => ({ tag: 'object', fields })
const conv = (o: number, i: number, k: number) =>
  obj([
    ['w', T([o, i, k, k])],
    ['b', T([o])],
  ])
const norm = (c: number) =>
  obj([
    ['scale', T([c])],
    ['shift', T([c])],
  ])
const draws = (r: () => number, shapes: number[][], s = 0.4) => shapes.map((sh) => randn(sh, r, s))

describeEachAdapter('the image layers of stdlib/nn', (t) => {
  test('convLayer (stride 2, padding 1)', () =>
    seeded(async (r) => {
      const where = `convLayer on webgpu/${t.api}`
      const spec = lowerOnce(NN('conv'), 'convLayer', [conv(4, 3, 3), T([2, 3, 9, 8]), S(2), S(1)])
      await differential(t, spec, [...draws(r, [[4, 3, 3, 3], [4]]), randn([2, 3, 9, 8], r)], where)
    }))

  test('groupNorm (3 groups)', () =>
    seeded(async (r) => {
      const where = `groupNorm on webgpu/${t.api}`
      const spec = lowerOnce(NN('groupNorm'), 'groupNorm', [norm(6), T([2, 6, 5, 4]), S(3)])
      await differential(t, spec, [...draws(r, [[6], [6]]), randn([2, 6, 5, 4], r)], where)
    }))

  test('basicBlock (ResNet, 1×1 projection, stride 2)', () =>
    seeded(async (r) => {
      const where = `basicBlock on webgpu/${t.api}`
      const [cin, cout] = [3, 4]
      const block = obj([
        ['conv1', conv(cout, cin, 3)],
        ['norm1', norm(cout)],
        ['conv2', conv(cout, cout, 3)],
        ['norm2', norm(cout)],
        [
          'proj',
          obj([
            ['conv', conv(cout, cin, 1)],
            ['norm', norm(cout)],
          ]),
        ],
      ])
      const spec = lowerOnce(NN('resnetBlock'), 'basicBlock', [block, T([2, cin, 8, 8]), S(2), S(2)])
      const shapes = [
        [cout, cin, 3, 3],
        [cout],
        [cout],
        [cout],
        [cout, cout, 3, 3],
        [cout],
        [cout],
        [cout],
        [cout, cin, 1, 1],
        [cout],
        [cout],
        [cout],
      ]
      await differential(t, spec, [...draws(r, shapes), randn([2, cin, 8, 8], r)], where)
    }))

  test('avgPool2d (3×3 windows, a ragged edge dropped), globalAvgPool, upsampleNearest', () =>
    seeded(async (r) => {
      const where = `pooling and upsampling on webgpu/${t.api}`
      const x = randn([2, 3, 8, 7], r)
      await differential(t, lowerOnce(NN('pool'), 'avgPool2d', [T([2, 3, 8, 7]), S(3)]), [x], where)
      await differential(t, lowerOnce(NN('pool'), 'globalAvgPool', [T([2, 3, 8, 7])]), [x], where)
      await differential(t, lowerOnce(NN('upsample'), 'upsampleNearest', [T([2, 3, 8, 7]), S(2)]), [x], where)
    }))

  test('multiHeadAttention (4 heads)', () =>
    seeded(async (r) => {
      const where = `multiHeadAttention on webgpu/${t.api}`
      const w = T([16, 16])
      const p = obj([
        ['wq', w],
        ['wk', w],
        ['wv', w],
        ['wo', w],
      ])
      const spec = lowerOnce(NN('attention'), 'multiHeadAttention', [p, T([2, 12, 16]), S(4)])
      await differential(
        t,
        spec,
        [
          ...draws(r, [
            [16, 16],
            [16, 16],
            [16, 16],
            [16, 16],
          ]),
          randn([2, 12, 16], r),
        ],
        where,
      )
    }))

  test('the gradient of a conv layer (conv2d, and its input and filter gradients)', () =>
    seeded(async (r) => {
      const where = `convLoss gradient on webgpu/${t.api}`
      const s = specialize(
        { file: FIX, exportName: 'convLoss', transform: { kind: 'valueAndGrad', argnums: [0, 1] } },
        [conv(4, 3, 3), T([2, 3, 9, 8]), T([2, 4, 5, 4])],
      )
      if (s._tag === 'Left') throw new Error(s.left.map((d) => d.message).join('\n'))
      await differential(
        t,
        s.right,
        [...draws(r, [[4, 3, 3, 3], [4]]), randn([2, 3, 9, 8], r), randn([2, 4, 5, 4], r)],
        where,
      )
    }))
})
