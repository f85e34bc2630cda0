/**
 * Choosing where compiled functions run: a backend by name (compiler/backend/index.ts lists them),
 * set by DRIFT_BACKEND or setBackend(); `auto` picks the fastest one available here and says so once.
 */
import { probeWebGPU } from '../backend/webgpu/adapter.js'
import { BACKEND_NAMES, backendNamed, type BackendName } from '../backend/index.js'
import type { Backend } from '../backend/backend.js'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export const BACKENDS = ['auto', ...BACKEND_NAMES] as const
export type BackendChoice = (typeof BACKENDS)[number]
export type { BackendName }

let chosen: BackendChoice | undefined
let announced = false

export function setBackend(name: string): void {
  if (!(BACKENDS as readonly string[]).includes(name))
    throw new Error(`unknown backend '${name}': choose one of ${BACKENDS.join(', ')}`)
  chosen = name as BackendChoice
}

let autoChoice: BackendName | undefined

/**
 * The name of the backend compiled functions run on now. `auto` asks (once, in a child process)
 * whether Dawn finds a hardware WebGPU adapter: then webgpu; with a software one (Mesa's llvmpipe)
 * or none, drift's own wasm kernels, which are faster on a CPU (BENCHMARKS.md). It says which and why.
 */
export function currentBackend(): BackendName {
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

/** The backend compiled functions run on now. */
export const activeBackend = (): Backend => backendNamed(currentBackend())
