/**
 * gpu.js as backends: `cpu` (JS kernels), `webasm` (its WebAssembly) and `webasm-threads` (its
 * async mode over a worker pool). One runtime per mode per process. (gpu.js's WGSL target is not
 * used: drift's own webgpu backend replaces it, see docs/compiler.md.)
 */
import type { Backend } from '../backend.js'
import { planOf } from '../backend.js'
import { emitKernel } from './emit.js'
import { GpujsRuntime, limitsFor, type GpujsMode } from './run.js'

export function gpujsBackend(mode: GpujsMode): Backend {
  let runtime: GpujsRuntime | undefined
  return {
    name: mode,
    limits: () => limitsFor(mode),
    run: (program, inputs, opts) => (runtime ??= new GpujsRuntime(mode)).runAsync(planOf(mode, program), inputs, opts),
    kernelCode: (plan) =>
      plan.steps
        .flatMap((s) =>
          s.k === 'launch' ? [`// ${s.kernel.name}: gpu.js kernel source\n${emitKernel(s.kernel)}`] : [],
        )
        .join('\n\n'),
  }
}
