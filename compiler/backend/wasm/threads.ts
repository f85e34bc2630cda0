/**
 * A worker pool for wasm kernels: every worker instantiates the same kernel modules on the one
 * shared memory, and a launch is split into row (or column) bands, one per thread, the calling
 * thread taking the first. Workers are told to compile a kernel before its first launch (messages
 * arrive in order) and report completion through an Atomics flag the caller waits on.
 */
import { Worker } from 'node:worker_threads'

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { memory, flags } = workerData
const done = new Int32Array(flags)
const math = Object.fromEntries(Object.getOwnPropertyNames(Math).filter((k) => typeof Math[k] === 'function').map((k) => [k, Math[k]]))
math.exp2 = (x) => 2 ** x
math.mod = (a, b) => a % b
const kernels = new Map()
parentPort.on('message', (m) => {
  if (m.type === 'compile') {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(m.bytes), { env: { memory }, math: Object.fromEntries(m.imports.map((f) => [f, math[f]])) })
    kernels.set(m.id, inst.exports.run)
    return
  }
  try {
    kernels.get(m.id)(...m.args)
    Atomics.store(done, m.slot, 1)
  } catch {
    Atomics.store(done, m.slot, 2)
  }
  Atomics.notify(done, m.slot)
})
`

export class WorkerPool {
  private readonly workers: Worker[] = []
  private readonly flags = new Int32Array(new SharedArrayBuffer(64 * 4))
  private readonly compiled = new Set<number>()

  constructor(
    readonly memory: WebAssembly.Memory,
    readonly size: number,
  ) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { memory, flags: this.flags.buffer } })
      w.unref()
      this.workers.push(w)
    }
  }

  /** Make kernel `id` available to every worker. */
  compile(id: number, bytes: Uint8Array, imports: string[]): void {
    if (this.compiled.has(id)) return
    for (const w of this.workers) w.postMessage({ type: 'compile', id, bytes, imports })
    this.compiled.add(id)
  }

  /** Run bands 1… on the workers while `own` runs band 0 here; wait for all. */
  launch(id: number, bands: number[][], own: () => void): void {
    const n = Math.min(bands.length - 1, this.workers.length)
    for (let i = 0; i < n; i++) {
      Atomics.store(this.flags, i, 0)
      this.workers[i].postMessage({ type: 'run', id, args: bands[i + 1], slot: i })
    }
    own()
    for (let i = 0; i < n; i++) {
      while (Atomics.load(this.flags, i) === 0) Atomics.wait(this.flags, i, 0, 1000)
      if (Atomics.load(this.flags, i) === 2)
        throw new Error(`worker ${i + 1} failed (DRIFT_THREADS=1 runs every band on this thread and shows the error)`)
    }
  }

  terminate(): Promise<number[]> {
    return Promise.all(this.workers.map((w) => w.terminate()))
  }
}
