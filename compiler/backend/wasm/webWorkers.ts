/**
 * The browser's pool for wasm kernels: module Web Workers speaking the pool protocol
 * (platform.ts). Each worker runs `script` (the artifact's worker bundle), is told its role and
 * the shared memory, and answers 'ready'; launch blocks on Atomics.wait, so the pool is driven
 * from a worker, never from a page's main thread.
 */
import { BandPool, type ThreadMessage } from './platform.js'

/** The first message a pool thread gets: its role, the memory and the completion flags. */
export interface ThreadStart {
  type: 'thread'
  memory: WebAssembly.Memory
  flags: SharedArrayBuffer
}

export class WebWorkerPool extends BandPool {
  private readonly workers: Worker[] = []
  /** Resolves once every thread has started (its first message handled); rejects when one fails to. */
  readonly ready: Promise<void>

  constructor(memory: WebAssembly.Memory, size: number, script: URL) {
    super(size, 'loading with threads: 1')
    const started: Promise<void>[] = []
    for (let i = 0; i < size; i++) {
      const w = new Worker(script, { type: 'module', name: `drift thread ${i + 1}` })
      started.push(
        new Promise<void>((resolve, reject) => {
          w.onmessage = (e: MessageEvent) => (e.data === 'ready' ? resolve() : undefined)
          w.onerror = (e: ErrorEvent) => reject(new Error(`thread ${i + 1} (${script}) did not start: ${e.message}`))
        }),
      )
      const start: ThreadStart = { type: 'thread', memory, flags: this.flags.buffer as SharedArrayBuffer }
      w.postMessage(start)
      this.workers.push(w)
    }
    this.ready = Promise.all(started).then(() => undefined)
  }

  protected post(thread: number, m: ThreadMessage): void {
    this.workers[thread].postMessage(m)
  }

  async terminate(): Promise<void> {
    for (const w of this.workers) w.terminate()
  }
}
