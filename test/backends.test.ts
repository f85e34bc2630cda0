/**
 * Differential tests of the compiled path: every program of the accepted corpus, fused into a
 * plan of kernels and run by gpu.js on the `cpu`, `webasm` and (where Dawn finds an adapter)
 * `webgpu` backends, against the float64
 * reference interpreter on fresh random inputs; and drift's own WebAssembly kernels (`wasm`) the same way. Float outputs agree within 1e-5 · L relative to
 * max(1, max |want|), L the longest reduction or contraction in the graph (float32 kernels
 * accumulate rounding along it); i32 and bool outputs agree exactly.
 * Every failure names its seed and the command that replays it.
 */
import { describe, expect, test } from 'vitest'
import { GpujsRuntime, limitsFor } from '../compiler/backend/gpujs/run.js'
import { probeWebGPU } from '../compiler/backend/gpujs/webgpu.js'
import { WasmRuntime, WASM_LIMITS } from '../compiler/backend/wasm/run.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { interpret } from '../compiler/ir/interpret.js'
import type { Atom, Graph } from '../compiler/ir/types.js'
import type { Plan } from '../compiler/kernel/types.js'
import { CASES } from './corpus/accepted-cases.js'
import { ROOT, expectClose, lower, randn, rng, rootPath, seeded, T } from './helpers.js'

const adapter = probeWebGPU(ROOT)
if (!adapter)
  console.warn(
    'the webgpu backend is not tested here: Dawn found no WebGPU adapter (neither Vulkan nor OpenGL through EGL)',
  )
type Mode = 'wasm' | 'cpu' | 'webasm' | 'webgpu'
const MODES: Mode[] = adapter ? ['wasm', 'cpu', 'webasm', 'webgpu'] : ['wasm', 'cpu', 'webasm']
const KERNEL_CLASS = { wasm: undefined, cpu: 'CPUKernel', webasm: 'WebAssemblyKernel', webgpu: 'WebGPUKernel' } as const
/** One runtime per backend for the whole file: kernels of equal source are built once. */
const wasm = new WasmRuntime()
const runtimes: Record<
  Mode,
  { runAsync(p: Plan, ins: NDArray[]): Promise<NDArray[]>; lastKernelClass?: string | undefined }
> = {
  wasm: { runAsync: async (p, ins) => wasm.run(p, ins) },
  cpu: new GpujsRuntime('cpu'),
  webasm: new GpujsRuntime('webasm'),
  webgpu: new GpujsRuntime('webgpu'),
}
const limits = (mode: Mode) => (mode === 'wasm' ? WASM_LIMITS : limitsFor(mode))

const shapeOf = (a: Atom) => (a.kind === 'var' ? a.shape : [])
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1)

/** The longest chain of terms any one output element sums or folds over: max(1, …). */
function accumulationLength(graph: Graph): number {
  let longest = 1
  for (const e of graph.eqns) {
    const [a, b] = e.inputs.map(shapeOf)
    const p = e.params as { axes?: number[]; axis?: number }
    let n = 1
    switch (e.prim) {
      case 'reduce_sum':
      case 'reduce_max':
      case 'reduce_min':
        n = prod(p.axes!.map((ax) => a[ax]))
        break
      case 'reduce':
      case 'scan':
        n = a[p.axis!]
        break
      case 'matmul': // [.., M, K] @ [.., K, N]
      case 'cdist': // [.., N, D] against [.., M, D]
        n = a[a.length - 1]
        break
      case 'conv2d': // x [N,C,H,W], w [O,C,KH,KW]: C·KH·KW taps
        n = b[1] * b[2] * b[3]
        break
      case 'conv2d_grad_input': // ct [N,O,OH,OW], w [O,C,KH,KW]: at most O·KH·KW taps per input
        n = b[0] * b[2] * b[3]
        break
      case 'conv2d_grad_filter': // x, ct [N,O,OH,OW]: N·OH·OW taps per filter weight
        n = b[0] * b[2] * b[3]
        break
      case 'scatter_add': // idx, values: every index may hit one row
        n = prod(a)
        break
    }
    longest = Math.max(longest, n)
  }
  return longest
}

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
    }),
  )
})
