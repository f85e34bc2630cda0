/**
 * gpu.js's own translation of an emitted kernel to WGSL, done without a device: the WebGPU
 * kernel class translates and assembles its shader synchronously before it asks for an adapter.
 */
import { createRequire } from 'node:module'
import type { Kernel } from '../../kernel/types.js'
import { emitKernel } from './emit.js'

const require = createRequire(import.meta.url)

interface WGSLKernel {
  setupConstants(): void
  setupArguments(args: unknown[]): void
  validateSettings(args: unknown[]): void
  translateSource(): void
  computeParamsLayout(): unknown
  assembleWGSL(): string
  threadDim: number[]
  paramsLayout: unknown
}

/** Sample arguments of the right kinds: gpu.js types parameters from the values it is given. */
function sampleArgs(k: Kernel, sizes: (buf: string) => number): unknown[] {
  return [...k.buffers.map((b) => new Float32Array(Math.max(1, sizes(b)))), ...k.scalars.map(() => 0.5)]
}

export function toWGSL(k: Kernel, sizes: (buf: string) => number): string {
  const { WebGPUKernel } = require('gpu.js/src/backend/web-gpu/kernel') as { WebGPUKernel: new (src: string, o: object) => WGSLKernel }
  const kernel = new WebGPUKernel(emitKernel(k), { output: k.threads, loopMaxIterations: Math.max(1000, k.maxLoop + 1) })
  const args = sampleArgs(k, sizes)
  kernel.setupConstants()
  kernel.setupArguments(args)
  kernel.validateSettings(args)
  kernel.threadDim = [...k.threads, 1, 1].slice(0, 3)
  kernel.translateSource()
  kernel.paramsLayout = kernel.computeParamsLayout()
  return kernel.assembleWGSL()
}
