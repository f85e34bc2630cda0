/**
 * Node's pool for wasm kernels: worker_threads speaking the pool protocol (platform.ts). A worker
 * runs the thread side from source text (it cannot import the TypeScript modules); its kernels are
 * the same modules on the same shared memory.
 */
import { Worker } from 'node:worker_threads'
import { BandPool, type ThreadMessage } from './platform.js'

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

export class WorkerPool extends BandPool {
  private readonly workers: Worker[] = []

  constructor(
    readonly memory: WebAssembly.Memory,
    size: number,
  ) {
    super(size, 'DRIFT_THREADS=1')
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { memory, flags: this.flags.buffer } })
      w.unref()
      this.workers.push(w)
    }
  }

  protected post(thread: number, m: ThreadMessage): void {
    this.workers[thread].postMessage(m)
  }

  terminate(): Promise<number[]> {
    return Promise.all(this.workers.map((w) => w.terminate()))
  }
}
