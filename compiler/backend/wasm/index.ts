/**
 * drift's own WebAssembly SIMD kernels as a backend: one runtime per process (one linear memory,
 * one worker pool). DRIFT_PROFILE=1 times every kernel and prints the costliest at exit.
 */
import type { Backend } from '../backend.js'
import { planOf } from '../backend.js'
import { compileKernel } from './codegen.js'
import { wasmLimits, WasmRuntime } from './run.js'
import { profileTable } from '../profile.js'
import { printTile } from './tile.js'
import { sizeOf } from '../../ir/shape.js'

let shared: WasmRuntime | undefined
/** The process's wasm runtime, made on first use. */
export function wasmRuntime(): WasmRuntime {
  if (!shared) {
    const r = (shared = new WasmRuntime())
    if (process.env.DRIFT_PROFILE) {
      r.profile = new Map()
      process.on('exit', () => process.stderr.write(`${profileTable(r.profile!, 'wasm kernels')}\n`))
    }
  }
  return shared
}

export const wasmBackend: Backend = {
  name: 'wasm',
  limits: wasmLimits,
  run: async (program, inputs, opts) => wasmRuntime().run(planOf('wasm', program), inputs, opts),
  kernelCode: (plan) => {
    const sizes = new Map(plan.buffers.map((b) => [b.name, sizeOf(b.shape)]))
    return plan.steps
      .flatMap((s) => {
        if (s.k !== 'launch') return []
        const { bytes, tile } = compileKernel(s.kernel, sizes)
        return [`// ${s.kernel.name}: ${printTile(tile)}, ${bytes.length} bytes of WebAssembly`]
      })
      .join('\n')
  },
}
