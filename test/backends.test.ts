/**
 * Differential tests of the compiled path: every program of the accepted corpus, fused into a
 * plan of kernels and run by gpu.js on the `cpu` and `webasm` backends, against the float64
 * reference interpreter on seeded random inputs; and drift's own WebAssembly kernels (`wasm`) the
 * same way (drift's webgpu kernels, on both adapters: webgpu.test.ts). Float
 * outputs agree element by element within 32 float32 ulps, above a floor of 16·√L roundings of the
 * output's largest element (test/tolerance.ts), L the longest reduction or contraction
 * behind the output; i32 and bool outputs agree exactly.
 * Every failure names its seed and the command that replays it.
 */
import { describe, expect, test } from 'vitest'
import { GpujsRuntime, limitsFor } from '../compiler/backend/gpujs/run.js'
import { WasmRuntime, WASM_LIMITS } from '../compiler/backend/wasm/run.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { interpret } from '../compiler/ir/interpret.js'
import type { Plan } from '../compiler/kernel/types.js'
import { CASES } from './corpus/accepted-cases.js'
import { expectClose, lower, randn, rng, rootPath, seeded, T } from './helpers.js'
import { accumulationLengths, float32Tolerance } from './tolerance.js'

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

  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) =>
    seeded(async (r) => {
      const where = `${c.name} on ${mode}`
      const args = typeof c.args === 'function' ? c.args(r) : c.args
      const spec = lower(rootPath(c.file), c.fn, args)
      const ins = c.inputs(r)
      const { plan } = lowerGraph(spec.graph, {}, limits(mode))
      runtime.lastKernelClass = undefined
      const got = await runtime.runAsync(plan, ins)
      if (launches(plan) > 0 && mode !== 'wasm')
        expect(runtime.lastKernelClass, `${where}: kernel class`).toBe(KERNEL_CLASS[mode])
      const want = interpret(spec.graph, ins, 'f64')
      const lengths = accumulationLengths(spec.graph)
      expect(got.length, `${where}: number of outputs`).toBe(want.length)
      want.forEach((w, i) => {
        const g = got[i]
        expect(g.shape, `${where}: shape of output ${i}`).toEqual(w.shape)
        expect(g.dtype, `${where}: dtype of output ${i}`).toBe(w.dtype)
        expect(g.data.length, `${where}: length of output ${i}`).toBe(w.data.length)
        // float32 kernels: the case's bound for the output, or 16·√L roundings of its largest element as the floor
        if (w.dtype === 'f32')
          expectClose(g.data, w.data, c.tol32?.[i] ?? float32Tolerance(lengths[i], w.data), `${where}: output ${i}`)
        else expect(Array.from(g.data), `${where}: output ${i} (${w.dtype}, exact)`).toEqual(Array.from(w.data))
      })
    }),
  )
})
