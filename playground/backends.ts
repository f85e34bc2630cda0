/**
 * The backends the playground shows plans for, with the code `drift inspect` prints for each:
 * wasm (the kernels' tiles and sizes) and webgpu (WGSL, under a device's limits, or WebGPU's
 * defaults where the page has no adapter).
 */
import { wasmBackend } from '../compiler/backend/wasm/index.js'
import { wasmLimits } from '../compiler/backend/wasm/run.js'
import { planWGSL } from '../compiler/backend/webgpu/codegen.js'
import { PORTABLE_LIMITS, webgpuLimits } from '../compiler/backend/webgpu/limits.js'
import type { DeviceLimits } from '../compiler/backend/webgpu/adapter.js'
import type { PlanBackend } from './compile.js'

export const wasmPlans = (): PlanBackend => ({
  name: 'wasm',
  limits: wasmLimits(),
  code: (plan) => wasmBackend.kernelCode!(plan),
})

export const webgpuPlans = (device: DeviceLimits = PORTABLE_LIMITS): PlanBackend => ({
  name: 'webgpu',
  limits: webgpuLimits(device),
  code: (plan) => planWGSL(plan, device),
})
