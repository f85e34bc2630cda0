/**
 * Choosing where compiled functions run: `interpreter` (the float32 reference interpreter),
 * gpu.js `cpu`, `webasm`, or `webasm-threads` (gpu.js's async mode over a worker pool). Set by DRIFT_BACKEND or setBackend(); `auto` picks the fastest one
 * available here and says so once.
 */
import { GpujsRuntime, type GpujsMode } from '../backend/gpujs/run.js'

export const BACKENDS = ['auto', 'interpreter', 'cpu', 'webasm', 'webasm-threads'] as const
export type BackendChoice = (typeof BACKENDS)[number]
export type Backend = Exclude<BackendChoice, 'auto'>

let chosen: BackendChoice | undefined
let announced = false

export function setBackend(name: string): void {
  if (!(BACKENDS as readonly string[]).includes(name)) throw new Error(`unknown backend '${name}': choose one of ${BACKENDS.join(', ')}`)
  chosen = name as BackendChoice
}

/** The backend compiled functions run on now. */
export function currentBackend(): Backend {
  const want = chosen ?? (process.env.DRIFT_BACKEND as BackendChoice | undefined) ?? 'auto'
  if (!(BACKENDS as readonly string[]).includes(want)) throw new Error(`DRIFT_BACKEND='${want}' is not a backend: choose one of ${BACKENDS.join(', ')}`)
  if (want !== 'auto') return want
  if (!announced) {
    announced = true
    process.stderr.write('drift: backend auto → webasm (gpu.js WebAssembly, the fastest available without a GPU)\n')
  }
  return 'webasm'
}

const runtimes = new Map<GpujsMode, GpujsRuntime>()
export function gpujsRuntime(mode: GpujsMode): GpujsRuntime {
  let r = runtimes.get(mode)
  if (!r) runtimes.set(mode, (r = new GpujsRuntime(mode)))
  return r
}
