/**
 * Differential tests of the compiled path: every program of the accepted corpus, fused into a
 * plan of kernels and run by gpu.js on the `cpu` and `webasm` backends, against the float64
 * reference interpreter on fresh random inputs; and drift's own WebAssembly kernels (`wasm`) the
 * same way (drift's webgpu kernels: webgpu.test.ts). Float outputs agree within
 * 1e-5 · L relative to max(1, max |want|), L the longest reduction or contraction in the graph
 * (float32 kernels accumulate rounding along it); i32 and bool outputs agree exactly.
 * Set CORPUS_SEED=<n> to replay a failure; every message carries the seed it ran with.
 */
import { describe, expect, test } from 'vitest'
import { GpujsRuntime, limitsFor } from '../compiler/backend/gpujs/run.js'
import { WasmRuntime, WASM_LIMITS } from '../compiler/backend/wasm/run.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { interpret } from '../compiler/ir/interpret.js'
import type { Plan } from '../compiler/kernel/types.js'
import { CASES } from './corpus/accepted-cases.js'
import { accumulationLength, expectClose, freshSeed, lower, randn, rng, rootPath, T } from './helpers.js'

const SEED = process.env.CORPUS_SEED ? Number(process.env.CORPUS_SEED) : undefined
type Mode = 'wasm' | 'cpu' | 'webasm'
const MODES: Mode[] = ['wasm', 'cpu', 'webasm']
const KERNEL_CLASS = { wasm: undefined, cpu: 'CPUKernel', webasm: 'WebAssemblyKernel' } as const
/** One runtime per backend for the whole file: kernels of equal source are built once. */
const wasm = new WasmRuntime()
const runtimes: Record<
  Mode,
  { runAsync(p: Plan, ins: NDArray[]): Promise<NDArray[]>; lastKernelClass?: string | undefined }
> = {
  wasm: { runAsync: async (p, ins) => wasm.run(p, ins) },
  cpu: new GpujsRuntime('cpu'),
  webasm: new GpujsRuntime('webasm'),
}
const limits = (mode: Mode) => (mode === 'wasm' ? WASM_LIMITS : limitsFor(mode))

const launches = (p: Plan) => p.steps.filter((s) => s.k === 'launch').length

describe.each(MODES)('the %s backend', (mode) => {
  const runtime = runtimes[mode]

  // the gpu.js backends only: wasm kernels are drift's own, there is no other class to fall back to
  if (mode !== 'wasm')
    test(`kernels run on gpu.js's ${KERNEL_CLASS[mode]}, not a fallback`, async () => {
      const spec = lower(rootPath('test/corpus/accepted/elementwise.ts'), 'methods', [T([5, 4]), T([5, 4])])
      const { plan } = lowerGraph(spec.graph)
      expect(launches(plan)).toBeGreaterThan(0)
      runtime.lastKernelClass = undefined
      const r = rng(1)
      await runtime.runAsync(plan, [randn([5, 4], r), randn([5, 4], r)])
      expect(runtime.lastKernelClass).toBe(KERNEL_CLASS[mode])
    })

  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const seed = SEED ?? freshSeed()
    const r = rng(seed)
    const where = `${c.name} on ${mode} (seed ${seed}; replay with CORPUS_SEED=${seed})`
    try {
      const args = typeof c.args === 'function' ? c.args(r) : c.args
      const spec = lower(rootPath(c.file), c.fn, args)
      const ins = c.inputs(r)
      const { plan } = lowerGraph(spec.graph, {}, limits(mode))
      runtime.lastKernelClass = undefined
      const got = await runtime.runAsync(plan, ins)
      if (launches(plan) > 0 && mode !== 'wasm')
        expect(runtime.lastKernelClass, `${where}: kernel class`).toBe(KERNEL_CLASS[mode])
      const want = interpret(spec.graph, ins, 'f64')
      const L = accumulationLength(spec.graph)
      expect(got.length, `${where}: number of outputs`).toBe(want.length)
      want.forEach((w, i) => {
        const g = got[i]
        expect(g.shape, `${where}: shape of output ${i}`).toEqual(w.shape)
        expect(g.dtype, `${where}: dtype of output ${i}`).toBe(w.dtype)
        expect(g.data.length, `${where}: length of output ${i}`).toBe(w.data.length)
        if (w.dtype === 'f32') expectClose(g.data, w.data, 1e-5 * L, `${where}: output ${i} (L = ${L})`)
        else expect(Array.from(g.data), `${where}: output ${i} (${w.dtype}, exact)`).toEqual(Array.from(w.data))
      })
    } catch (e) {
      if (e instanceof Error && !e.message.includes(`seed ${seed}`)) e.message = `${where}: ${e.message}`
      throw e
    }
  })
})
