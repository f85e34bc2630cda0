/**
 * Running plans on a WebGPU device. Everything stays on the device between kernels and between
 * calls: each plan keeps its input buffers and uploads an input only when its contents changed
 * since the last call; intermediates and outputs come from a buffer pool (pool.ts); the kernels of
 * a plan are encoded into one command buffer, and the outputs come back in one copy. Host steps
 * (counter-based random draws) read their inputs back, run the reference semantics and upload
 * the result. Runs on one runtime are serialized (they share input buffers and the queue).
 * The device comes from the platform (Dawn in Node: run.ts; a browser: browserDevice.ts); this
 * module imports nothing from Node.
 */
import type { NDArray } from '../../ir/ndarray.js'
import { showShape, sizeOf } from '../../ir/shape.js'
import type { BufferInfo, Kernel, Plan } from '../../kernel/types.js'
import { checkPlanMemory } from '../../kernel/memory.js'
import { BackendError, describeKernel, placeInputs, planOutputs, runHostStep, scalarInputs } from '../planIO.js'
import type { KernelTime } from '../profile.js'
import type { Acquired, AdapterInfo } from './device.js'
import { compileKernel, CONSTANT_SLOTS, type TileShape } from './codegen.js'
import { DEVICE_MEMORY_LIMIT, maxBufferElements } from './limits.js'
import { BufferPool, pooledSize } from './pool.js'
import '../../ir/prims/index.js'

interface Compiled {
  kernel: Kernel
  /** None for a kernel without threads (an empty output), which is never dispatched. */
  pipeline?: GPUComputePipeline
  dispatch: [number, number, number]
  tile: TileShape
  /** Bind groups by the buffers bound (a plan run again binds the same pooled buffers). */
  binds: Map<string, GPUBindGroup>
}

interface PlanState {
  kernels: Map<Kernel, Compiled>
  info: Map<string, BufferInfo>
  elements: Map<string, number>
  /** Device copies of the plan's inputs and what was last uploaded into them. */
  inputs: Map<string, { buffer: GPUBuffer; last?: Float32Array }>
  uniform: GPUBuffer
  uniformData: Float32Array
  /** Device timestamps, two per launch (profiling with timestamp queries). */
  timestamps?: { set: GPUQuerySet; resolve: GPUBuffer }
}

/** Plans whose buffers a runtime keeps; the least recently run beyond this are dropped. */
const KEPT_PLANS = 32

export class WebGPUExecutor {
  private acquired: Promise<Acquired> | undefined
  private gpu: Acquired | undefined
  private pool: BufferPool | undefined
  private readPool: BufferPool | undefined
  private readonly states = new Map<Plan, PlanState>()
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>()
  private readonly layouts = new Map<number, { bind: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>()
  private readonly bufferIds = new WeakMap<GPUBuffer, number>()
  private nextId = 0
  private queue: Promise<unknown> = Promise.resolve()
  private lost: string | undefined
  /** Pipelines built, input uploads and device-to-host copies so far (for tests). */
  builds = 0
  uploads = 0
  readbacks = 0
  /** Time in each kernel by name, when profiling. */
  readonly profile: Map<string, KernelTime> | undefined

  /** `acquire` opens the device (on first use), with timestamps when `profile` asks to time every kernel. */
  constructor(
    private readonly acquire: (profile: boolean) => Promise<Acquired>,
    readonly options: { profile?: boolean } = {},
  ) {
    if (options.profile) this.profile = new Map()
  }

  /** The adapter this runtime's device is on (after the first run or `ready()`). */
  get info(): AdapterInfo | undefined {
    return this.gpu?.info
  }

  /** Buffers the pool created so far (for tests of reuse). */
  get buffersCreated(): number {
    return this.pool?.created ?? 0
  }

  /** The device, acquired on first use. */
  async ready(): Promise<Acquired> {
    this.acquired ??= this.acquire(!!this.options.profile).then((g) => {
      const { usage } = g.flags
      this.pool = new BufferPool(g.device, usage.STORAGE | usage.COPY_SRC | usage.COPY_DST)
      this.readPool = new BufferPool(g.device, usage.MAP_READ | usage.COPY_DST)
      void g.device.lost.then((l) => (this.lost = l.message || String(l.reason)))
      this.gpu = g
      return g
    })
    return this.acquired
  }

  /** Run a plan on host inputs (checked against the plan before anything is uploaded). */
  run(plan: Plan, inputs: NDArray[], opts: { checkNaN?: boolean } = {}): Promise<NDArray[]> {
    const r = this.queue.then(() => this.runNow(plan, inputs, opts))
    this.queue = r.catch(() => undefined)
    return r
  }

  /** Release every device buffer this runtime holds. */
  destroy(): void {
    for (const st of this.states.values()) dropState(st)
    this.states.clear()
    this.pool?.destroy()
    this.readPool?.destroy()
    this.gpu?.device.destroy()
  }

  private id(b: GPUBuffer): number {
    let id = this.bufferIds.get(b)
    if (id === undefined) this.bufferIds.set(b, (id = this.nextId++))
    return id
  }

  private async runNow(plan: Plan, inputs: NDArray[], opts: { checkNaN?: boolean }): Promise<NDArray[]> {
    const g = await this.ready()
    if (this.lost) throw new BackendError(`the WebGPU device was lost (${this.lost}); restart the program`)
    const { device } = g
    const st = await this.stateOf(plan, g)
    const host = new Map<string, Float32Array>()
    const ints = placeInputs(plan, inputs, (b, offset, a) => {
      let h = host.get(b.name)
      if (!h) host.set(b.name, (h = new Float32Array(st.elements.get(b.name)!)))
      h.set(a.data, offset)
    })
    const scalars = scalarInputs(plan, inputs)
    device.pushErrorScope('out-of-memory')
    device.pushErrorScope('validation')
    const taken: GPUBuffer[] = []
    try {
      for (const [name, data] of host) {
        const dev = st.inputs.get(name)!
        if (dev.last && sameBytes(dev.last, data)) continue
        device.queue.writeBuffer(dev.buffer, 0, data as Float32Array<ArrayBuffer>)
        dev.last = data
        this.uploads++
      }
      plan.scalars.forEach((s, i) => (st.uniformData[CONSTANT_SLOTS + i] = scalars.get(s.name)!))
      device.queue.writeBuffer(st.uniform, 0, st.uniformData as Float32Array<ArrayBuffer>)
      const outs = await this.steps(plan, st, g, host, ints, taken, opts)
      return planOutputs(plan, st.info, (b) => outs.get(b) ?? host.get(b)!, scalars, ints)
    } finally {
      for (const b of taken) this.pool!.give(b)
      const errors = [await device.popErrorScope(), await device.popErrorScope()].filter((e) => e !== null)
      if (errors.length) throw new BackendError(`WebGPU: ${errors.map((e) => e!.message).join('; ')}`)
    }
  }

  /** Encode and run the steps; returns the output buffers' contents by name. */
  private async steps(
    plan: Plan,
    st: PlanState,
    g: Acquired,
    host: Map<string, Float32Array>,
    ints: Map<string, Int32Array>,
    taken: GPUBuffer[],
    opts: { checkNaN?: boolean },
  ): Promise<Map<string, Float32Array>> {
    const { device } = g
    const live = new Map<string, GPUBuffer>()
    const spare: GPUBuffer[] = []
    let enc: GPUCommandEncoder | undefined
    let pass: GPUComputePassEncoder | undefined
    const flush = () => {
      pass?.end()
      pass = undefined
      if (enc) device.queue.submit([enc.finish()])
      enc = undefined
    }
    const take = (elements: number) => {
      const at = spare.findIndex((b) => b.size === pooledSize(4 * elements))
      if (at >= 0) return spare.splice(at, 1)[0]
      const b = this.pool!.take(4 * elements)
      taken.push(b)
      return b
    }
    const stamps: Compiled[] = []
    for (const step of plan.steps) {
      if (step.k === 'launch') {
        const c = st.kernels.get(step.kernel)!
        const out = take(st.elements.get(step.kernel.out.buf)!)
        live.set(step.kernel.out.buf, out)
        if (c.dispatch.some((d) => d === 0)) continue
        const bind = this.bindGroup(
          c,
          st,
          out,
          step.kernel.buffers.map((b) => live.get(b) ?? st.inputs.get(b)!.buffer),
        )
        enc ??= device.createCommandEncoder()
        if (st.timestamps) {
          pass?.end()
          const at = 2 * stamps.length
          stamps.push(c)
          pass = enc.beginComputePass({
            timestampWrites: {
              querySet: st.timestamps.set,
              beginningOfPassWriteIndex: at,
              endOfPassWriteIndex: at + 1,
            },
          })
        } else pass ??= enc.beginComputePass()
        pass.setPipeline(c.pipeline!)
        pass.setBindGroup(0, bind)
        pass.dispatchWorkgroups(...c.dispatch)
        if (this.profile && !st.timestamps) await this.timeOnHost(c, flush)
        if (opts.checkNaN) {
          flush()
          const [data] = await this.read([[out, st.elements.get(step.kernel.out.buf)!]])
          if (data.some(Number.isNaN))
            throw new BackendError(
              `kernel ${step.kernel.name} produced NaN (it computes ${describeKernel(step.kernel)})`,
            )
        }
      } else if (step.k === 'host') {
        flush()
        const bufs = step.inputs.flatMap((x) => ('buf' in x && !host.has(x.buf) ? [x.buf] : []))
        const got = await this.read(bufs.map((b) => [live.get(b)!, st.elements.get(b)!]))
        const values = new Map(bufs.map((b, i) => [b, got[i]]))
        const out = runHostStep(step, st.info, (b) => values.get(b) ?? host.get(b)!, ints)
        const buf = take(out.data.length)
        device.queue.writeBuffer(buf, 0, Float32Array.from(out.data))
        live.set(step.out, buf)
      } else {
        const b = live.get(step.buf)
        if (b) (live.delete(step.buf), spare.push(b))
      }
    }
    flush()
    const names = [...new Set(plan.outputs.flatMap((o) => (o.k === 'buffer' && live.has(o.buf) ? [o.buf] : [])))]
    const reads: [GPUBuffer, number][] = names.map((b) => [live.get(b)!, st.elements.get(b)!])
    if (st.timestamps && stamps.length) {
      const e = device.createCommandEncoder()
      e.resolveQuerySet(st.timestamps.set, 0, 2 * stamps.length, st.timestamps.resolve, 0)
      device.queue.submit([e.finish()])
      reads.push([st.timestamps.resolve, 4 * stamps.length])
    }
    const data = await this.read(reads)
    if (st.timestamps && stamps.length) {
      const ns = new BigInt64Array(data[names.length].buffer, data[names.length].byteOffset, 2 * stamps.length)
      stamps.forEach((c, i) => this.record(c, Number(ns[2 * i + 1] - ns[2 * i]) / 1e6))
    }
    return new Map(names.map((b, i) => [b, data[i]]))
  }

  /** Without timestamp queries: the kernel alone on the queue, timed on the host. */
  private async timeOnHost(c: Compiled, flush: () => void): Promise<void> {
    const { queue } = this.gpu!.device
    await queue.onSubmittedWorkDone()
    const t0 = performance.now()
    flush()
    await queue.onSubmittedWorkDone()
    this.record(c, performance.now() - t0)
  }

  private record(c: Compiled, ms: number): void {
    const p = this.profile!.get(c.kernel.name) ?? { ms: [], what: describeKernel(c.kernel) }
    p.ms.push(ms)
    this.profile!.set(c.kernel.name, p)
  }

  /** Copy device buffers (each `elements` floats long) back in one readback. */
  private async read(list: [GPUBuffer, number][]): Promise<Float32Array[]> {
    if (list.length === 0) return []
    const { device, flags } = this.gpu!
    const offsets: number[] = []
    let total = 0
    for (const [, n] of list) (offsets.push(total), (total += pooledSize(4 * n)))
    const staging = this.readPool!.take(total)
    const enc = device.createCommandEncoder()
    list.forEach(([b, n], i) => n > 0 && enc.copyBufferToBuffer(b, 0, staging, offsets[i], 4 * n))
    device.queue.submit([enc.finish()])
    try {
      await staging.mapAsync(flags.mapMode.READ, 0, total)
      const all = staging.getMappedRange(0, total).slice(0)
      staging.unmap()
      this.readbacks++
      return list.map(([, n], i) => new Float32Array(all, offsets[i], n))
    } finally {
      this.readPool!.give(staging)
    }
  }

  private bindGroup(c: Compiled, st: PlanState, out: GPUBuffer, ins: GPUBuffer[]): GPUBindGroup {
    const key = [out, ...ins].map((b) => this.id(b)).join(',')
    let b = c.binds.get(key)
    if (!b) {
      if (c.binds.size > 64) c.binds.clear()
      const size = (name: string) => 4 * Math.max(1, st.elements.get(name)!)
      b = this.gpu!.device.createBindGroup({
        layout: this.layout(ins.length).bind,
        entries: [
          { binding: 0, resource: { buffer: st.uniform } },
          { binding: 1, resource: { buffer: out, size: size(c.kernel.out.buf) } },
          ...ins.map((buf, i) => ({ binding: i + 2, resource: { buffer: buf, size: size(c.kernel.buffers[i]) } })),
        ],
      })
      c.binds.set(key, b)
    }
    return b
  }

  /** The bind group layout of kernels reading n buffers: the uniform block, the output, the inputs. */
  private layout(n: number): { bind: GPUBindGroupLayout; pipeline: GPUPipelineLayout } {
    let l = this.layouts.get(n)
    if (!l) {
      const { device } = this.gpu!
      const COMPUTE = 4 // GPUShaderStage.COMPUTE
      const bind = device.createBindGroupLayout({
        entries: [
          { binding: 0, visibility: COMPUTE, buffer: { type: 'uniform' } },
          { binding: 1, visibility: COMPUTE, buffer: { type: 'storage' } },
          ...Array.from({ length: n }, (_, i) => ({
            binding: i + 2,
            visibility: COMPUTE,
            buffer: { type: 'read-only-storage' as const },
          })),
        ],
      })
      l = { bind, pipeline: device.createPipelineLayout({ bindGroupLayouts: [bind] }) }
      this.layouts.set(n, l)
    }
    return l
  }

  /** A plan's device state, made (and its kernels compiled) on its first run. */
  private async stateOf(plan: Plan, g: Acquired): Promise<PlanState> {
    let st = this.states.get(plan)
    if (st) {
      this.states.delete(plan)
      this.states.set(plan, st)
      return st
    }
    checkPlan(plan, g.info)
    const { device, flags } = g
    const scalarSlot = new Map(plan.scalars.map((s, i) => [s.name, CONSTANT_SLOTS + i]))
    const launches = plan.steps.flatMap((s) => (s.k === 'launch' ? [s.kernel] : []))
    const compiled = await Promise.all(
      launches.map(async (k): Promise<Compiled> => {
        // no threads (an empty batch): nothing to compile, and WGSL for it would divide by 0
        if (sizeOf(k.grid) === 0)
          return {
            kernel: k,
            dispatch: [0, 0, 0],
            tile: { kind: 'threads', rows: 1, cols: 1, threads: [1, 1] },
            binds: new Map(),
          }
        const w = compileKernel(k, { limits: g.info.limits, scalarSlot })
        return {
          kernel: k,
          pipeline: await this.pipeline(k, w.code),
          dispatch: w.dispatch,
          tile: w.tile,
          binds: new Map(),
        }
      }),
    )
    const usage = flags.usage
    const slots = CONSTANT_SLOTS + plan.scalars.length
    const uniformData = new Float32Array(4 * Math.ceil(slots / 4))
    uniformData.set([Infinity, -Infinity, NaN, 0])
    const profiled = this.profile && g.info.timestamps && launches.length > 0
    st = {
      kernels: new Map(compiled.map((c) => [c.kernel, c])),
      info: new Map(plan.buffers.map((b) => [b.name, b])),
      elements: new Map(plan.buffers.map((b) => [b.name, sizeOf(b.shape)])),
      inputs: new Map(
        plan.buffers
          .filter((b) => b.role === 'input')
          .map((b) => [
            b.name,
            {
              buffer: device.createBuffer({
                size: pooledSize(4 * sizeOf(b.shape)),
                usage: usage.STORAGE | usage.COPY_DST,
              }),
            },
          ]),
      ),
      uniform: device.createBuffer({ size: 4 * uniformData.length, usage: usage.UNIFORM | usage.COPY_DST }),
      uniformData,
      ...(profiled
        ? {
            timestamps: {
              set: device.createQuerySet({ type: 'timestamp', count: 2 * launches.length }),
              resolve: device.createBuffer({ size: 16 * launches.length, usage: usage.QUERY_RESOLVE | usage.COPY_SRC }),
            },
          }
        : {}),
    }
    this.states.set(plan, st)
    if (this.states.size > KEPT_PLANS) {
      const [oldest, state] = this.states.entries().next().value!
      dropState(state)
      this.states.delete(oldest)
    }
    return st
  }

  private pipeline(k: Kernel, code: string): Promise<GPUComputePipeline> {
    let p = this.pipelines.get(code)
    if (!p) {
      const { device } = this.gpu!
      const module = device.createShaderModule({ code })
      p = device
        .createComputePipelineAsync({
          layout: this.layout(k.buffers.length).pipeline,
          compute: { module, entryPoint: 'main' },
        })
        .catch((e: Error) => {
          this.pipelines.delete(code)
          throw new BackendError(
            `internal: the WGSL of kernel ${k.name} did not compile (${e.message}); it computes ${describeKernel(k)}`,
          )
        })
      this.builds++
      this.pipelines.set(code, p)
    }
    return p
  }
}

/**
 * Refuse a plan this device cannot run, in one line naming the buffer or kernel and the limit: the
 * buffers it holds at once (kernel/memory.ts, as on every backend), then each buffer against what
 * one binding holds on this adapter, and the storage buffers each kernel binds.
 */
function checkPlan(plan: Plan, info: AdapterInfo): void {
  checkPlanMemory(plan, 'webgpu', DEVICE_MEMORY_LIMIT)
  const max = maxBufferElements(info.limits)
  for (const b of plan.buffers)
    if (sizeOf(b.shape) > max)
      throw new BackendError(
        `buffer ${b.name} ${showShape(b.shape)} holds ${sizeOf(b.shape)} elements; one buffer holds at most ${max} on this device (${info.description}): run smaller batches`,
      )
  const binds = info.limits.maxStorageBuffersPerShaderStage
  for (const s of plan.steps)
    if (s.k === 'launch' && s.kernel.buffers.length + 1 > binds)
      throw new BackendError(
        `kernel ${s.kernel.name} binds ${s.kernel.buffers.length + 1} storage buffers; this device (${info.description}) binds ${binds}: lower the program for this device (drift compile on it, or the jit)`,
      )
}

function dropState(st: PlanState): void {
  for (const i of st.inputs.values()) i.buffer.destroy()
  st.uniform.destroy()
  st.timestamps?.set.destroy()
  st.timestamps?.resolve.destroy()
}

/** Do two float arrays hold the same bytes? (Compared as 32-bit words: NaNs with one payload are equal, +0 and −0 are not.) */
function sameBytes(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length)
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length)
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
  return true
}
