/**
 * The peak of overlapping lifetimes: buffers live over ranges of a plan's steps, each adding its
 * size to every step of its range, and the peak is the most any one step holds at once. A segment
 * tree whose nodes keep the add applied to their whole range and the maximum below them, so a
 * lifetime is added or removed in O(log steps) and the peak is read at the root.
 */
export class LivePeak {
  private readonly width: number
  /** the most any step under the node holds, its own add included */
  private readonly most: Float64Array
  /** what was added to every step of the node's range */
  private readonly added: Float64Array

  constructor(steps: number) {
    this.width = Math.max(1, steps)
    this.most = new Float64Array(4 * this.width)
    this.added = new Float64Array(4 * this.width)
  }

  /** Add `amount` to every step from `first` to `last`, both included (a negative amount removes it). */
  add(first: number, last: number, amount: number): void {
    this.update(1, 0, this.width - 1, first, last, amount)
  }

  /** The most any step holds. */
  peak(): number {
    return this.most[1]
  }

  /** A step that holds the peak. */
  peakStep(): number {
    let [node, lo, hi] = [1, 0, this.width - 1]
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.most[2 * node] >= this.most[2 * node + 1]) [node, hi] = [2 * node, mid]
      else [node, lo] = [2 * node + 1, mid + 1]
    }
    return lo
  }

  private update(node: number, lo: number, hi: number, first: number, last: number, amount: number): void {
    if (last < lo || hi < first) return
    if (first <= lo && hi <= last) {
      this.added[node] += amount
      this.most[node] += amount
      return
    }
    const mid = (lo + hi) >> 1
    this.update(2 * node, lo, mid, first, last, amount)
    this.update(2 * node + 1, mid + 1, hi, first, last, amount)
    this.most[node] = this.added[node] + Math.max(this.most[2 * node], this.most[2 * node + 1])
  }
}
