/**
 * What the fusion stage must respect on a WebGPU device: the storage buffers one kernel binds
 * (its output and its inputs; per-step scalars travel in a uniform buffer and do not count), the
 * largest buffer one binding may hold, and how the cost model weighs a launch there; and how long
 * a thread of a plan written for GPUs may loop.
 */
import type { BackendLimits } from '../../fusion/limits.js'
import { HOST_MEMORY_LIMIT } from '../../ir/memory.js'
import type { RewriteName } from '../../fusion/rewrites.js'
import { loopTrips } from '../../kernel/analyze.js'
import type { Plan } from '../../kernel/types.js'
import type { DeviceLimits } from './adapter.js'

/**
 * WebGPU's default limits, which every adapter supports: the plans `drift compile` writes for
 * machines it has not seen are lowered under these.
 */
export const PORTABLE_LIMITS: DeviceLimits = {
  maxStorageBuffersPerShaderStage: 8,
  maxStorageBufferBindingSize: 128 * 2 ** 20,
  maxBufferSize: 256 * 2 ** 20,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupSizeZ: 64,
  maxComputeWorkgroupsPerDimension: 65535,
}

/**
 * The limits `drift compile` lowers its webgpu plan under: WebGPU's defaults but 16 storage
 * buffers a kernel, which Dawn gives on every adapter drift has run on (Vulkan: lavapipe; OpenGL:
 * llvmpipe). Under 8 more intermediates must be stored for each kernel to read few enough
 * (fusion/fanIn.ts: the official drift loss stores logits it otherwise recomputes); a device with
 * fewer than 16 refuses the plan, naming the kernel (executor.ts).
 */
export const COMPILE_LIMITS: DeviceLimits = { ...PORTABLE_LIMITS, maxStorageBuffersPerShaderStage: 16 }

/**
 * The bytes of buffers a plan may hold on a device at once (run.ts checks it before allocating).
 * WebGPU reports no device memory size: the host backends' 4 GiB, which lavapipe and llvmpipe take
 * from the host and a GPU drift runs on has.
 */
export const DEVICE_MEMORY_LIMIT = HOST_MEMORY_LIMIT

/** The largest buffer (in f32 elements) one kernel binding may hold on a device. */
export const maxBufferElements = (d: DeviceLimits): number =>
  Math.floor(Math.min(d.maxStorageBufferBindingSize, d.maxBufferSize) / 4)

/**
 * Fusion limits for a device (a device that stops loops early also bounds each thread's loop
 * iterations). Launches weigh 10⁶ operations (a dispatch costs microseconds, in which
 * a GPU does millions of operations), which favours recomputing cheap values in the kernels that
 * read them over storing them; long reductions over several axes run row by row first
 * (transforms/splitReductions.ts), so no thread adds millions of terms into one accumulator.
 */
export function webgpuLimits(d: DeviceLimits): BackendLimits {
  return {
    maxBuffers: d.maxStorageBuffersPerShaderStage - 1,
    maxBufferElements: maxBufferElements(d),
    ...(d.maxThreadIterations !== undefined ? { maxThreadIterations: d.maxThreadIterations } : {}),
    launchCost: 1_000_000,
    rewrites: ['splitReductions', 'narrowConcats'] as RewriteName[],
  }
}

/**
 * Loop iterations one thread of a plan written for a GPU may run (kernel/analyze.ts loopTrips).
 * Past this a thread does the work meant for thousands of threads, and a run that takes
 * milliseconds spread over the GPU takes minutes in that one thread.
 */
export const MAX_THREAD_ITERATIONS = 2 ** 24

/** A kernel whose threads each loop longer than the bound: its name, threads and loop iterations per thread. */
export interface LongThread {
  kernel: string
  threads: number
  trips: number
}

/** The kernels of a plan whose threads each run more than `max` loop iterations, in plan order. */
export function longThreads(plan: Plan, max = MAX_THREAD_ITERATIONS): LongThread[] {
  return plan.steps.flatMap((st) => {
    if (st.k !== 'launch') return []
    const trips = loopTrips(st.kernel.body)
    const threads = st.kernel.grid.reduce((a, b) => a * b, 1)
    return trips > max ? [{ kernel: st.kernel.name, threads, trips }] : []
  })
}
