/**
 * Choosing where compiled functions run: `interpreter` (the float32 reference interpreter),
 * `wasm` (drift's own WebAssembly SIMD kernels, threaded), gpu.js `cpu`, `webasm`, `webasm-threads` (gpu.js's async mode over a worker pool) or
 * `webgpu` (Dawn: Vulkan on a GPU, OpenGL/Mesa without one). Set by DRIFT_BACKEND or setBackend(); `auto` picks the fastest one
 * available here and says so once.
 */
import { GpujsRuntime, type GpujsMode } from '../backend/gpujs/run.js'
import { probeWebGPU } from '../backend/gpujs/webgpu.js'
import { profileTable, WasmRuntime } from '../backend/wasm/run.js'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export const BACKENDS = ['auto', 'interpreter', 'wasm', 'cpu', 'webasm', 'webasm-threads', 'webgpu'] as const
export type BackendChoice = (typeof BACKENDS)[number]
export type Backend = Exclude<BackendChoice, 'auto'>

let chosen: BackendChoice | undefined
let announced = false

export function setBackend(name: string): void {
  if (!(BACKENDS as readonly string[]).includes(name))
    throw new Error(`unknown backend '${name}': choose one of ${BACKENDS.join(', ')}`)
  chosen = name as BackendChoice
}

let autoChoice: Backend | undefined

/**
 * The backend compiled functions run on now. `auto` asks (once, in a child process) whether
 * Dawn finds a hardware WebGPU adapter: then webgpu; with a software one (Mesa's llvmpipe) or
 * none, drift's own wasm kernels, which are faster on a CPU (BENCHMARKS.md). It says which and why.
 */
export function currentBackend(): Backend {
  const want = chosen ?? (process.env.DRIFT_BACKEND as BackendChoice | undefined) ?? 'auto'
  if (!(BACKENDS as readonly string[]).includes(want))
    throw new Error(`DRIFT_BACKEND='${want}' is not a backend: choose one of ${BACKENDS.join(', ')}`)
  if (want !== 'auto') return want
  if (!autoChoice) {
    const gpu = probeWebGPU(PACKAGE_ROOT)
    if (gpu) process.env.DRIFT_WEBGPU_API ??= gpu.api
    autoChoice = gpu && !gpu.software ? 'webgpu' : 'wasm'
    const why = gpu
      ? `WebGPU adapter: ${gpu.description} (${gpu.api}${gpu.software ? ', software: the CPU runs wasm faster' : ''})`
      : 'no WebGPU adapter'
    if (!announced) process.stderr.write(`drift: backend auto → ${autoChoice} (${why})\n`)
    announced = true
  }
  return autoChoice
}

let wasm: WasmRuntime | undefined
/** drift's own WebAssembly kernels (one runtime per process: one linear memory); DRIFT_PROFILE=1 times every kernel. */
export function wasmRuntime(): WasmRuntime {
  if (!wasm) {
    const r = (wasm = new WasmRuntime())
    if (process.env.DRIFT_PROFILE) {
      r.profile = new Map()
      process.on('exit', () => process.stderr.write(`${profileTable(r.profile!)}\n`))
    }
  }
  return wasm
}

const runtimes = new Map<GpujsMode, GpujsRuntime>()
export function gpujsRuntime(mode: GpujsMode): GpujsRuntime {
  let r = runtimes.get(mode)
  if (!r) runtimes.set(mode, (r = new GpujsRuntime(mode)))
  return r
}
