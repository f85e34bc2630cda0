/**
 * Device buffers reused across kernels and calls. A run takes buffers for its intermediates and
 * outputs from the pool and gives them back when it has read its outputs: a plan run again gets
 * the same buffers (so its bind groups are reused too) and allocates nothing. Within a run a freed
 * buffer is reused by later kernels of the same run only (commands run in queue order); buffers
 * go back to the shared pool once the run's work is done. Idle buffers past a cap are destroyed.
 */

/** Idle bytes the pool keeps for reuse; a buffer given back beyond that is destroyed. */
const IDLE_CAP = 1 << 30

export class BufferPool {
  private readonly idle = new Map<number, GPUBuffer[]>()
  private idleBytes = 0
  /** Buffers created so far (for tests of reuse). */
  created = 0

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
  ) {}

  /** A buffer of `bytes` rounded up to a multiple of 16 (at least 16). */
  take(bytes: number): GPUBuffer {
    const size = pooledSize(bytes)
    const free = this.idle.get(size)
    const b = free?.pop()
    if (b) {
      this.idleBytes -= size
      return b
    }
    this.created++
    return this.device.createBuffer({ size, usage: this.usage })
  }

  give(b: GPUBuffer): void {
    if (this.idleBytes + b.size > IDLE_CAP) return b.destroy()
    let list = this.idle.get(b.size)
    if (!list) this.idle.set(b.size, (list = []))
    list.push(b)
    this.idleBytes += b.size
  }

  destroy(): void {
    for (const list of this.idle.values()) for (const b of list) b.destroy()
    this.idle.clear()
    this.idleBytes = 0
  }
}

/** The size the pool gives a buffer asked for `bytes`. */
export const pooledSize = (bytes: number) => Math.max(16, Math.ceil(bytes / 16) * 16)
