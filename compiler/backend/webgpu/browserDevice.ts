/**
 * WebGPU in a browser (a page or a worker): the device on the adapter navigator.gpu gives, opened
 * as in Node (device.ts), for the executor (executor.ts).
 */
import { BackendError } from '../planIO.js'
import { openDevice, type Acquired, type Adapter } from './device.js'

export async function browserDevice(profile: boolean): Promise<Acquired> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu
  if (!gpu)
    throw new BackendError(
      'this browser has no WebGPU (navigator.gpu is missing; Chromium needs a secure context such as https or localhost): load with the wasm backend',
    )
  const adapter = (await gpu.requestAdapter()) as Adapter | null
  if (!adapter) throw new BackendError('this browser offers WebGPU but no adapter: load with the wasm backend')
  return openDevice(gpu, adapter, 'browser', { usage: GPUBufferUsage, mapMode: GPUMapMode }, profile)
}
