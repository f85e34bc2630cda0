/**
 * The backends the playground shows plans for, with the code `drift inspect` prints for each
 * kernel: wasm (the kernel's tiles and size) and webgpu (its WGSL, under a device's limits, or
 * WebGPU's defaults where the page has no adapter, each line with the kernel statement it came from).
 */
import { wasmBackend } from '../compiler/backend/wasm/index.js'
import { wasmLimits } from '../compiler/backend/wasm/run.js'
import { planKernelsWGSL } from '../compiler/backend/webgpu/codegen.js'
import { PORTABLE_LIMITS, webgpuLimits } from '../compiler/backend/webgpu/limits.js'
import type { DeviceLimits } from '../compiler/backend/webgpu/adapter.js'
import type { BackendLine, PlanBackend } from './compile.js'

/** A plan's code as a backend's kernelCode prints it, split at the line `// name: …` that starts each kernel's. */
export function codeByKernel(code: string, kernels: string[]): Map<string, BackendLine[]> {
  const out = new Map<string, BackendLine[]>()
  let current: BackendLine[] | undefined
  for (const text of code.split('\n')) {
    const name = kernels.find((k) => text.startsWith(`// ${k}:`))
    if (name) out.set(name, (current = []))
    current?.push({ text })
  }
  for (const lines of out.values()) while (lines.length && lines[lines.length - 1].text === '') lines.pop()
  return out
}

export const wasmPlans = (): PlanBackend => ({
  name: 'wasm',
  limits: wasmLimits(),
  code: (plan) =>
    codeByKernel(
      wasmBackend.kernelCode!(plan),
      plan.steps.flatMap((s) => (s.k === 'launch' ? [s.kernel.name] : [])),
    ),
})

export const webgpuPlans = (device: DeviceLimits = PORTABLE_LIMITS): PlanBackend => ({
  name: 'webgpu',
  limits: webgpuLimits(device),
  code: (plan) =>
    new Map(
      planKernelsWGSL(plan, device).map(({ kernel, header, wgsl }) => [
        kernel.name,
        [{ text: header }, ...wgsl.code.split('\n').map((text, i) => ({ text, src: wgsl.lineSources[i] }))],
      ]),
    ),
})
