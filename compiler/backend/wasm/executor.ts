/**
 * Running plans on drift's own WebAssembly kernels (codegen.ts): every buffer lives in one
 * linear memory at an offset planned once per plan (layout.ts); a run copies the inputs in,
 * launches the kernels in order and copies the outputs out. Host steps (counter-based random
 * draws) run the reference semantics on copies of their inputs. Threads come from the platform
 * (platform.ts); this module itself runs in Node and in a browser alike.
 */
import type { NDArray } from '../../ir/ndarray.js'
import { sizeOf } from '../../ir/shape.js'
import { BackendError, describeKernel, placeInputs, planOutputs, runHostStep, scalarInputs } from '../planIO.js'
import type { Kernel, Plan } from '../../kernel/types.js'
import { printKernel } from '../../kernel/print.js'
import { compileKernel, grid, tileFor, type WasmKernel } from './codegen.js'
import { MAX_PAGES } from './encode.js'
import { checkPlanMemory } from '../../kernel/memory.js'
import type { TileShape } from './tile.js'
import { HOST_MATH, kernelImports } from './imports.js'
import { layoutPlan, type Layout } from './layout.js'
import type { KernelTime } from '../profile.js'
import type { PoolFactory, ThreadPool } from './platform.js'
import '../../ir/prims/index.js'

type Run = (...args: number[]) => void
interface Compiled {
  id: number
  run: Run
  tile: TileShape
}

/** Kernels with fewer (cells × loop trips) than this run on one thread. */
const SPLIT_WORK = 1 << 18

/** What a kernel's module must import and export: its memory, its math functions, and `run` of the kernel's arity. */
function checkModule(k: Kernel, module: WebAssembly.Module, run: unknown, imports: string[]): void {
  const want = ['env.memory:memory', ...imports.map((f) => `math.${f}:function`)].sort().join(', ')
  const got = WebAssembly.Module.imports(module)
    .map((i) => `${i.module}.${i.name}:${i.kind}`)
    .sort()
    .join(', ')
  const arity = 1 + k.buffers.length + k.scalars.length + 4
  const exports = WebAssembly.Module.exports(module).map((e) => `${e.name}:${e.kind}`)
  if (got !== want || exports.join() !== 'run:function' || typeof run !== 'function' || run.length !== arity)
    throw new BackendError(
      `the WebAssembly module given for kernel ${k.name} is not that kernel's: it imports (${got}) and exports (${exports.join(', ')}), ` +
        `the kernel needs imports (${want}) and run with ${arity} parameters; compile the artifact again`,
    )
}

export class WasmExecutor {
  readonly memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true })
  private readonly kernels = new Map<string, Compiled>()
  private readonly pool: ThreadPool | undefined
  private readonly layouts = new WeakMap<Plan, Layout>()
  /** Module bytes compiled ahead of time, by kernel object (an artifact's .wasm files). */
  private readonly given = new WeakMap<Kernel, Uint8Array>()
  /** Kernels compiled so far. */
  builds = 0
  /** Launches split over more than one thread so far. */
  splitLaunches = 0
  /** When set, time spent in each kernel (by name) over all runs, with what it computes. */
  profile: Map<string, KernelTime> | undefined

  /** `pool`: the platform's threads on this executor's memory; none runs every kernel on the calling thread. */
  constructor(pool?: PoolFactory) {
    this.pool = pool?.(this.memory)
  }

  /** Threads a launch may use, the calling one included. */
  get threads(): number {
    return (this.pool?.size ?? 0) + 1
  }

  /** Run `k` with these module bytes (compiled ahead of time) instead of compiling it; checked when first used. */
  provide(k: Kernel, bytes: Uint8Array): void {
    this.given.set(k, bytes)
  }

  /** The compiled kernel of each kernel object met so far (plans are cached, so this skips the source key). */
  private readonly byKernel = new WeakMap<Kernel, Compiled>()

  private kernelFor(k: Kernel, sizes: Map<string, number>): Compiled {
    const known = this.byKernel.get(k)
    if (known) return known
    const key = `${printKernel(k)}|${k.grid.join(',')}|${k.buffers.map((b) => sizes.get(b)).join(',')}`
    let c = this.kernels.get(key)
    if (!c) {
      const given = this.given.get(k)
      const { bytes, imports, tile }: WasmKernel = given
        ? {
            bytes: given as Uint8Array<ArrayBuffer>,
            imports: kernelImports(k).list.map((f) => f.field),
            tile: tileFor(k),
          }
        : compileKernel(k, sizes)
      const module = new WebAssembly.Module(bytes)
      const math = Object.fromEntries(imports.map((f) => [f, HOST_MATH[f]]))
      const instance = new WebAssembly.Instance(module, { env: { memory: this.memory }, math })
      if (given) checkModule(k, module, instance.exports.run, imports)
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
    const n = this.threads
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
      else {
        this.splitLaunches++
        this.pool!.launch(
          c.id,
          parts.map((p) => [...head, ...p]),
          () => c.run(...head, ...parts[0]),
        )
      }
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
