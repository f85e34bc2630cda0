/**
 * Running plans on drift's own WebAssembly kernels (codegen.ts): every buffer lives in one
 * linear memory at an offset planned once per plan (layout.ts); a run copies the inputs in,
 * launches the kernels in order and copies the outputs out. Host steps (counter-based random
 * draws) run the reference semantics on copies of their inputs.
 */
import type { NDArray } from '../../ir/ndarray.js'
import { sizeOf } from '../../ir/shape.js'
import { BackendError, describeKernel, placeInputs, planOutputs, runHostStep, scalarInputs } from '../planIO.js'
import type { Kernel, Plan } from '../../kernel/types.js'
import type { BackendLimits } from '../../fusion/limits.js'
import type { RewriteName } from '../../fusion/rewrites.js'
import type { PrimName } from '../../ir/types.js'
import { printKernel } from '../../kernel/print.js'
import os from 'node:os'
import v8 from 'node:v8'
import { compileKernel, grid } from './codegen.js'
import { MAX_PAGES } from './encode.js'
import { checkPlanMemory } from '../../kernel/memory.js'
import type { TileShape } from './tile.js'
import { WorkerPool } from './threads.js'
import { HOST_MATH } from './imports.js'
import { layoutPlan, type Layout } from './layout.js'
import type { KernelTime } from '../profile.js'
import '../../ir/prims/index.js'

/** Elements the plans may store, all buffers together, by default: 1.5 GiB of the 2 GiB memory. */
const DEFAULT_BUDGET = 3 * 2 ** 27

/** DRIFT_MEMORY_BUDGET (MiB) as elements, else the default. */
function memoryBudget(): number {
  const v = process.env.DRIFT_MEMORY_BUDGET
  if (v === undefined || v === '') return DEFAULT_BUDGET
  const mib = Number(v)
  if (!Number.isFinite(mib) || mib < 0 || mib > (MAX_PAGES * 65536) / 2 ** 20)
    throw new BackendError(
      `DRIFT_MEMORY_BUDGET must be a number of MiB from 0 to ${(MAX_PAGES * 65536) / 2 ** 20}, got '${v}' (e.g. DRIFT_MEMORY_BUDGET=64: no N×N matrix is stored from N = 4096 on)`,
    )
  return (mib * 2 ** 20) / 4
}

/**
 * For the fusion stage: a launch is a function call (~a microsecond), kernels are not stacked,
 * a load that is not contiguous along the vector lanes costs one load per lane, and long
 * reductions over several axes run row by row first, and a kernel with fewer threads than
 * lanes × cores leaves the rest idle. The weights are the CPU's (docs/compiler.md), and the
 * buffers a plan stores stay within the memory budget.
 */
export const WASM_LIMITS = {
  launchCost: 5000,
  stacking: false,
  gatherWeight: 4,
  rewrites: ['convMatmuls', 'splitReductions', 'transposeOperands'] as RewriteName[],
  hostPrimitives: ['scatter_add'] as PrimName[],
  parallelism: 4 * os.availableParallelism(),
  transcendental: 24,
  slowOp: 6,
  cached: 1,
  streamed: 6,
  memoryBudget: DEFAULT_BUDGET,
}

/** WASM_LIMITS with the memory budget DRIFT_MEMORY_BUDGET asks for (read on every call: a bad value is a BackendError where it is used). */
export const wasmLimits = (): BackendLimits => ({ ...WASM_LIMITS, memoryBudget: memoryBudget() })

type Run = (...args: number[]) => void
interface Compiled {
  id: number
  run: Run
  tile: TileShape
}

// V8 first runs a wasm function as quickly compiled baseline code and optimizes it only once it
// is hot: kernels run few times per plan, so compile them optimized from the start
v8.setFlagsFromString('--no-liftoff')

/** Threads per launch: DRIFT_THREADS, else one per core. */
const threadCount = () => Number(process.env.DRIFT_THREADS ?? os.availableParallelism())
/** Kernels with fewer (cells × loop trips) than this run on one thread. */
const SPLIT_WORK = 1 << 18

export class WasmRuntime {
  readonly memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true })
  private readonly kernels = new Map<string, Compiled>()
  private readonly pool: WorkerPool | undefined
  private readonly layouts = new WeakMap<Plan, Layout>()
  /** Kernels compiled so far. */
  builds = 0
  /** When set, time spent in each kernel (by name) over all runs, with what it computes. */
  profile: Map<string, KernelTime> | undefined

  constructor(threads = threadCount()) {
    if (threads > 1) this.pool = new WorkerPool(this.memory, threads - 1)
  }

  /** The compiled kernel of each kernel object met so far (plans are cached, so this skips the source key). */
  private readonly byKernel = new WeakMap<Kernel, Compiled>()

  private kernelFor(k: Kernel, sizes: Map<string, number>): Compiled {
    const known = this.byKernel.get(k)
    if (known) return known
    const key = `${printKernel(k)}|${k.grid.join(',')}|${k.buffers.map((b) => sizes.get(b)).join(',')}`
    let c = this.kernels.get(key)
    if (!c) {
      const { bytes, imports, tile } = compileKernel(k, sizes)
      const module = new WebAssembly.Module(bytes)
      const math = Object.fromEntries(imports.map((f) => [f, HOST_MATH[f]]))
      const instance = new WebAssembly.Instance(module, { env: { memory: this.memory }, math })
      c = { id: this.kernels.size, run: instance.exports.run as Run, tile }
      this.pool?.compile(c.id, bytes, imports)
      this.kernels.set(key, c)
      this.builds++
    }
    this.byKernel.set(k, c)
    return c
  }

  /** Launch over the whole grid, split into bands over the threads when the kernel is big enough. */
  private launch(k: Kernel, c: Compiled, head: number[]): void {
    const { X, Y, Z } = grid(k)
    const n = this.pool ? this.pool.size + 1 : 1
    const rowStep = c.tile.rows * (c.tile.vec && c.tile.axis === 'y' ? 4 : 1)
    const colStep = c.tile.cols * (c.tile.vec && c.tile.axis === 'x' ? 4 : 1)
    const bands = (extent: number, step: number) => {
      const per = Math.ceil(extent / n / step) * step
      return Array.from({ length: n }, (_, i) => [Math.min(extent, i * per), Math.min(extent, (i + 1) * per)]).filter(
        ([a, b]) => b > a,
      )
    }
    let parts: number[][] = [[0, X, 0, Y]]
    if (n > 1 && X * Y * Z * Math.max(1, k.maxLoop) >= SPLIT_WORK) {
      if (Y >= n * rowStep) parts = bands(Y, rowStep).map(([a, b]) => [0, X, a, b])
      else if (X >= n * colStep) parts = bands(X, colStep).map(([a, b]) => [a, b, 0, Y])
    }
    try {
      if (parts.length === 1) c.run(...head, ...parts[0])
      else
        this.pool!.launch(
          c.id,
          parts.map((p) => [...head, ...p]),
          () => c.run(...head, ...parts[0]),
        )
    } catch (e) {
      throw new BackendError(
        `kernel ${k.name} failed (${e instanceof Error ? e.message : String(e)}); it computes ${describeKernel(k)}`,
      )
    }
  }

  private layout(plan: Plan): Layout {
    let l = this.layouts.get(plan)
    if (!l) this.layouts.set(plan, (l = layoutPlan(plan)))
    const pages = Math.ceil(l.bytes / 65536)
    if (pages > MAX_PAGES) checkPlanMemory(plan, 'wasm', MAX_PAGES * 65536, l.bytes)
    const have = this.memory.buffer.byteLength / 65536
    if (pages > have) this.memory.grow(pages - have)
    return l
  }

  private view(offset: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, n)
  }

  run(plan: Plan, inputs: NDArray[], opts: { checkNaN?: boolean } = {}): NDArray[] {
    const { offset } = this.layout(plan)
    const info = new Map(plan.buffers.map((b) => [b.name, b]))
    const sizes = new Map(plan.buffers.map((b) => [b.name, sizeOf(b.shape)]))
    /** A copy of a buffer's contents (the memory is reused by the next run). */
    const read = (buf: string) => this.view(offset.get(buf)!, sizes.get(buf)!).slice()
    const ints = placeInputs(plan, inputs, (b, at, a) =>
      this.view(offset.get(b.name)! + 4 * at, a.data.length).set(a.data),
    )
    const scalars = scalarInputs(plan, inputs)
    for (const step of plan.steps) {
      if (step.k === 'launch') {
        const k = step.kernel
        const compiled = this.kernelFor(k, sizes)
        const t0 = this.profile ? performance.now() : 0
        this.launch(k, compiled, [
          offset.get(k.out.buf)!,
          ...k.buffers.map((b) => offset.get(b)!),
          ...k.scalars.map((s) => scalars.get(s)!),
        ])
        if (this.profile) {
          const p = this.profile.get(k.name) ?? { ms: [], what: describeKernel(k) }
          p.ms.push(performance.now() - t0)
          this.profile.set(k.name, p)
        }
        if (opts.checkNaN) this.checkNaN(k, offset.get(k.out.buf)!)
      } else if (step.k === 'host') {
        const out = runHostStep(step, info, read, ints)
        this.view(offset.get(step.out)!, out.data.length).set(out.data)
      } else ints.delete(step.buf)
    }
    return planOutputs(plan, info, read, scalars, ints)
  }

  /** Stop the worker threads. */
  async terminate(): Promise<void> {
    await this.pool?.terminate()
  }

  private checkNaN(k: Kernel, at: number): void {
    if (this.view(at, sizeOf(k.out.shape)).some(Number.isNaN))
      throw new BackendError(`kernel ${k.name} produced NaN (it computes ${describeKernel(k)})`)
  }
}
