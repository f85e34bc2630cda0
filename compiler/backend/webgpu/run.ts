/**
 * WebGPU in Node: the executor (executor.ts) on a Dawn device (adapter.ts), on the API asked for.
 */
import { acquireDevice, type WebGPUApi } from './adapter.js'
import { WebGPUExecutor } from './executor.js'

export interface WebGPUOptions {
  /** Vulkan or OpenGL; default: DRIFT_WEBGPU_API, else the first that works. */
  api?: WebGPUApi
  /** Time every kernel (device timestamps where the adapter has them, else wall-clock waits). */
  profile?: boolean
}

export class WebGPURuntime extends WebGPUExecutor {
  constructor(options: WebGPUOptions = {}) {
    super((profile) => acquireDevice(options.api, profile), options)
  }
}
