/**
 * drift's WebGPU backend: its own WGSL from the kernel IR (codegen.ts), run on Dawn (adapter.ts)
 * with device-resident buffers (executor.ts). Plans are lowered under the adapter's real limits, which a
 * short-lived child process reads once per process. DRIFT_PROFILE=1 times every kernel (device
 * timestamps where the adapter has them) and prints the costliest at exit.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Backend } from '../backend.js'
import { planOf } from '../backend.js'
import { BackendError } from '../planIO.js'
import type { Plan } from '../../kernel/types.js'
import { profileTable } from '../profile.js'
import { noAdapterMessage, probeWebGPU, requestedApi, type DawnAdapterInfo, type DeviceLimits } from './adapter.js'
import { compileKernel, CONSTANT_SLOTS, printTile } from './codegen.js'
import { PORTABLE_LIMITS, webgpuLimits } from './limits.js'
import { WebGPURuntime } from './run.js'

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

/** The adapter WebGPU gets in this process (probed once), or a one-line error saying what to install. */
export function adapterHere(): DawnAdapterInfo {
  const info = probeWebGPU(PACKAGE_ROOT)
  if (!info) throw new BackendError(noAdapterMessage(requestedApi()))
  return info
}

let shared: WebGPURuntime | undefined
/** The process's WebGPU runtime, on the adapter the plans were lowered for. */
export function webgpuRuntime(): WebGPURuntime {
  if (!shared) {
    const r = (shared = new WebGPURuntime({ api: adapterHere().api, profile: !!process.env.DRIFT_PROFILE }))
    if (r.profile) {
      const clock = adapterHere().timestamps ? 'device timestamps' : 'host clock, one kernel at a time'
      process.on('exit', () => process.stderr.write(`${profileTable(r.profile!, `webgpu kernels (${clock})`)}\n`))
    }
  }
  return shared
}

/** Every kernel of a plan as the WGSL it runs as, with its layout, for `drift inspect`. */
export function planWGSL(plan: Plan, limits: DeviceLimits): string {
  const scalarSlot = new Map(plan.scalars.map((s, i) => [s.name, CONSTANT_SLOTS + i]))
  return plan.steps
    .flatMap((s) => {
      if (s.k !== 'launch') return []
      const w = compileKernel(s.kernel, { limits, scalarSlot })
      return [`// ${s.kernel.name}: ${printTile(w.tile)}; dispatch ${w.dispatch.join('×')}\n${w.code}`]
    })
    .join('\n\n')
}

/** The limits plans are lowered under for `drift inspect`: this machine's adapter, else WebGPU's defaults. */
export function inspectLimits(): { limits: DeviceLimits; where: string } {
  const info = probeWebGPU(PACKAGE_ROOT)
  return info
    ? { limits: info.limits, where: `${info.description} (${info.api})` }
    : { limits: PORTABLE_LIMITS, where: "WebGPU's default limits (no adapter on this machine)" }
}

export const webgpuBackend: Backend = {
  name: 'webgpu',
  limits: () => webgpuLimits(adapterHere().limits),
  run: (program, inputs, opts) => webgpuRuntime().run(planOf('webgpu', program), inputs, opts),
  kernelCode: (plan) => planWGSL(plan, inspectLimits().limits),
}
