/**
 * What the wasm plan executor (executor.ts) needs from the platform it runs on: a pool of threads
 * that share its memory. Node's pool (threads.ts: worker_threads) and the browser's (webWorkers.ts:
 * module Web Workers) both speak the protocol here; the executor imports neither, so it bundles
 * for both.
 *
 * The protocol: every thread instantiates the same kernel modules on the one shared memory. A
 * launch is split into row (or column) bands, one per thread, the calling thread taking the first.
 * Threads are told to compile a kernel before its first launch (messages arrive in order) and
 * report completion through an Atomics flag the caller waits on.
 */
import { HOST_MATH } from './imports.js'

/** Threads besides the calling one, each with every kernel instantiated on the one shared memory. */
export interface ThreadPool {
  /** Threads in the pool (the calling thread not counted). */
  readonly size: number
  /** Make kernel `id` (its module bytes and import fields) available to every thread, before its first launch. */
  compile(id: number, bytes: Uint8Array<ArrayBuffer>, imports: string[]): void
  /** Run bands 1… on the pool while `own` runs band 0 on the calling thread; return when all are done. */
  launch(id: number, bands: number[][], own: () => void): void
  terminate(): Promise<unknown>
}

/** A pool on a memory. */
export type PoolFactory = (memory: WebAssembly.Memory) => ThreadPool

/** The most threads a pool holds (one completion flag each). */
export const MAX_POOL = 64

/** A message to a pool thread. */
export type ThreadMessage =
  | { type: 'compile'; id: number; bytes: Uint8Array<ArrayBuffer>; imports: string[] }
  | { type: 'run'; id: number; args: number[]; slot: number }

/** The calling side of the protocol; a platform's pool says how a message reaches thread `i`. */
export abstract class BandPool implements ThreadPool {
  /** Per thread: 0 running, 1 done, 2 failed. */
  protected readonly flags = new Int32Array(new SharedArrayBuffer(MAX_POOL * 4))
  private readonly compiled = new Set<number>()

  /** `oneThread`: how to run every band on the calling thread, where a failing thread's error shows (for messages). */
  constructor(
    readonly size: number,
    private readonly oneThread: string,
  ) {
    if (!(size >= 1 && size <= MAX_POOL)) throw new RangeError(`a pool has 1 to ${MAX_POOL} threads, not ${size}`)
  }

  protected abstract post(thread: number, m: ThreadMessage): void
  abstract terminate(): Promise<unknown>

  compile(id: number, bytes: Uint8Array<ArrayBuffer>, imports: string[]): void {
    if (this.compiled.has(id)) return
    for (let i = 0; i < this.size; i++) this.post(i, { type: 'compile', id, bytes, imports })
    this.compiled.add(id)
  }

  launch(id: number, bands: number[][], own: () => void): void {
    const n = Math.min(bands.length - 1, this.size)
    for (let i = 0; i < n; i++) {
      Atomics.store(this.flags, i, 0)
      this.post(i, { type: 'run', id, args: bands[i + 1], slot: i })
    }
    own()
    for (let i = 0; i < n; i++) {
      while (Atomics.load(this.flags, i) === 0) Atomics.wait(this.flags, i, 0, 1000)
      if (Atomics.load(this.flags, i) === 2)
        throw new Error(`worker ${i + 1} failed (${this.oneThread} runs every band on one thread and shows the error)`)
    }
  }
}

/** The thread side of the protocol: a handler for the messages of one pool thread. */
export function kernelThread(memory: WebAssembly.Memory, flags: SharedArrayBuffer): (m: ThreadMessage) => void {
  const done = new Int32Array(flags)
  const kernels = new Map<number, (...args: number[]) => void>()
  return (m) => {
    if (m.type === 'compile') {
      const math = Object.fromEntries(m.imports.map((f) => [f, HOST_MATH[f]]))
      const instance = new WebAssembly.Instance(new WebAssembly.Module(m.bytes), { env: { memory }, math })
      kernels.set(m.id, instance.exports.run as (...args: number[]) => void)
      return
    }
    try {
      kernels.get(m.id)!(...m.args)
      Atomics.store(done, m.slot, 1)
    } catch {
      Atomics.store(done, m.slot, 2)
    }
    Atomics.notify(done, m.slot)
  }
}
