/**
 * Running plans with gpu.js. Buffers stay in this runtime between steps (intermediates are freed
 * as the plan says); inputs are validated before anything launches; the backend that actually
 * ran each kernel is checked, so a silent gpu.js fallback is an error.
 */
import { createRequire } from 'node:module'
import type { NDArray } from '../../ir/ndarray.js'
import { sizeOf } from '../../ir/shape.js'
import type { Kernel, Plan } from '../../kernel/types.js'
import { emitKernel } from './emit.js'
import type { BackendLimits } from '../../fusion/limits.js'
import { checkPlanMemory } from '../../kernel/memory.js'
import '../../ir/prims/index.js'
import { BackendError, describeKernel, placeInputs, planOutputs, runHostStep, scalarInputs } from '../planIO.js'

const require = createRequire(import.meta.url)

/** `webasm-threads`: gpu.js's async mode, which splits large kernels over a worker pool. */
export type GpujsMode = 'cpu' | 'webasm' | 'webasm-threads'
const KERNEL_CLASS: Record<GpujsMode, string> = {
  cpu: 'CPUKernel',
  webasm: 'WebAssemblyKernel',
  'webasm-threads': 'WebAssemblyKernel',
}
const ASYNC_MODES = new Set<GpujsMode>(['webasm-threads'])

/** What the fusion stage must respect for a mode: nothing (gpu.js's CPU targets bind any number of arrays). */
export const limitsFor = (_mode: GpujsMode): BackendLimits => ({})

interface GpuKernel {
  (...args: unknown[]): unknown
  kernel: { constructor: { name: string }; fallbackReason?: string }
}

interface RunState {
  env: Map<string, Float32Array>
  scalars: Map<string, number>
  /** Exact copies of i32 inputs and host results (random keys use all 32 bits; float32 keeps 24). */
  ints: Map<string, Int32Array>
  info: Map<string, Plan['buffers'][number]>
}

export { BackendError }

export interface RunOptions {
  /** Stop at the first kernel that writes a NaN, naming it and its source lines. */
  checkNaN?: boolean
}

export class GpujsRuntime {
  private gpuInstance: { createKernel(src: string, opts: object): GpuKernel } | undefined
  private readonly cache = new Map<string, GpuKernel>()
  /** Kernels built so far (for tests of the jit cache). */
  builds = 0
  /** The gpu.js kernel class that ran the last launch (CPUKernel, WebAssemblyKernel, …). */
  lastKernelClass: string | undefined

  constructor(readonly mode: GpujsMode) {}

  private get gpu() {
    if (!this.gpuInstance) {
      const { GPU } = require('gpu.js') as { GPU: new (o: object) => NonNullable<GpujsRuntime['gpuInstance']> }
      this.gpuInstance = new GPU({ mode: this.mode === 'webasm-threads' ? 'webasm' : this.mode })
    }
    return this.gpuInstance
  }

  /** The built kernel of each kernel object met so far (plans are cached: this skips emitting the source again). */
  private readonly byKernel = new WeakMap<Kernel, GpuKernel>()

  private kernelFor(k: Kernel, info: RunState['info']): GpuKernel {
    const known = this.byKernel.get(k)
    if (known) return known
    const source = emitKernel(k)
    // gpu.js fixes argument sizes when it builds a kernel: the same source over other sizes is another kernel
    const key = `${source}|${k.grid.join(',')}|${k.buffers.map((b) => sizeOf(info.get(b)!.shape)).join(',')}`
    let built = this.cache.get(key)
    if (!built) {
      built = this.gpu.createKernel(source, {
        output: k.grid,
        loopMaxIterations: Math.max(1000, k.maxLoop + 1),
        precision: 'single',
        asyncMode: this.mode === 'webasm-threads',
      })
      this.builds++
      this.cache.set(key, built)
    }
    this.byKernel.set(k, built)
    return built
  }

  /** Run a plan synchronously (cpu and webasm). */
  run(plan: Plan, inputs: NDArray[], opts: RunOptions = {}): NDArray[] {
    if (ASYNC_MODES.has(this.mode)) throw new BackendError(`the ${this.mode} backend is asynchronous: use runAsync`)
    const state = this.start(plan, inputs)
    for (const step of plan.steps) {
      if (step.k === 'launch')
        state.env.set(step.kernel.out.buf, this.finish(step.kernel, this.launch(step.kernel, state), opts))
      else this.other(step, state)
    }
    return this.outputs(plan, state)
  }

  /** Run a plan, awaiting each launch (every mode; the threaded one needs it). */
  async runAsync(plan: Plan, inputs: NDArray[], opts: RunOptions = {}): Promise<NDArray[]> {
    const state = this.start(plan, inputs)
    for (const step of plan.steps) {
      if (step.k === 'launch')
        state.env.set(step.kernel.out.buf, this.finish(step.kernel, await this.launch(step.kernel, state), opts))
      else this.other(step, state)
    }
    return this.outputs(plan, state)
  }

  private start(plan: Plan, inputs: NDArray[]): RunState {
    checkPlanMemory(plan, this.mode)
    const env = new Map<string, Float32Array>()
    const ints = placeInputs(plan, inputs, (b, offset, a) => {
      if (!b.packs) return void env.set(b.name, a.data instanceof Float32Array ? a.data : Float32Array.from(a.data))
      if (!env.has(b.name)) env.set(b.name, new Float32Array(b.shape[0]))
      env.get(b.name)!.set(a.data, offset)
    })
    return { env, scalars: scalarInputs(plan, inputs), ints, info: new Map(plan.buffers.map((b) => [b.name, b])) }
  }

  /** A free or host step. */
  private other(step: Plan['steps'][number], { env, ints, info }: RunState): void {
    if (step.k === 'free') (env.delete(step.buf), ints.delete(step.buf))
    else if (step.k === 'host')
      env.set(step.out, Float32Array.from(runHostStep(step, info, (b) => env.get(b)!, ints).data))
  }

  private outputs(plan: Plan, { env, scalars, ints, info }: RunState): NDArray[] {
    return planOutputs(plan, info, (b) => env.get(b)!, scalars, ints)
  }

  /** Launch a kernel; the result is a value, or a promise of one in the threaded mode. */
  private launch(k: Kernel, { env, scalars, info }: RunState): unknown {
    if (isEmpty(k)) return new Float32Array(0)
    const kernel = this.kernelFor(k, info)
    const args = [...k.buffers.map((b) => nonEmpty(env.get(b)!)), ...k.scalars.map((s) => scalars.get(s)!)]
    const raw = kernel(...args)
    this.checkClass(k, kernel)
    return raw
  }

  /** A silent gpu.js fallback to another backend is an error. */
  private checkClass(k: Kernel, kernel: GpuKernel): void {
    const ran = kernel.kernel.constructor.name
    this.lastKernelClass = ran
    if (ran !== KERNEL_CLASS[this.mode])
      throw new BackendError(
        `gpu.js ran ${k.name} on ${ran} instead of ${this.mode}${kernel.kernel.fallbackReason ? `: ${kernel.kernel.fallbackReason}` : ''}`,
      )
  }

  private finish(k: Kernel, raw: unknown, opts: RunOptions): Float32Array {
    const out = flatten(raw, sizeOf(k.out.shape))
    if (opts.checkNaN && out.some(Number.isNaN))
      throw new BackendError(`kernel ${k.name} produced NaN (it computes ${describeKernel(k)})`)
    return out
  }
}

/**
 * A kernel with no threads is not launched: gpu.js refuses an output of size 0 (and its WebGPU
 * mode ends the process on the WGSL it would write).
 */
const isEmpty = (k: Kernel): boolean => sizeOf(k.grid) === 0 || sizeOf(k.out.shape) === 0

/**
 * An empty buffer goes to gpu.js as one element (it refuses empty arrays): a kernel that has
 * threads reads an empty buffer only in loops of no iterations, so the element is never read.
 */
const ONE = new Float32Array(1)
const nonEmpty = (a: Float32Array): Float32Array => (a.length ? a : ONE)

/** gpu.js returns a typed array for 1-D outputs and nested arrays of rows for 2-D and 3-D ones. */
function flatten(raw: unknown, n: number): Float32Array {
  if (raw instanceof Float32Array) return raw.length === n ? raw : raw.slice(0, n)
  const out = new Float32Array(n)
  let k = 0
  const walk = (v: unknown): void => {
    if (v instanceof Float32Array) {
      out.set(v, k)
      k += v.length
    } else for (const x of v as unknown[]) walk(x)
  }
  walk(raw)
  if (k !== n) throw new BackendError(`internal: kernel returned ${k} values, expected ${n}`)
  return out
}
