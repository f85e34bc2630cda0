/**
 * The set of stored (materialized) variables during the fusion search, with the estimated work of
 * every stored kernel and the most memory the stored buffers hold at once kept up to date. A
 * kernel's code depends only on its frontier: the stored variables its element code reaches through
 * recomputed ones (and through the few it looks past, `seeThrough`). So storing or recomputing a
 * variable changes only its own kernel and the kernels that reach it through recomputed variables;
 * those are re-costed (from a cache keyed on the frontier), and nothing else is rebuilt.
 *
 * A buffer lives from its kernel's step to the last step whose kernel reads it (the plan frees it
 * there), an output to the end: under a memory budget the plan's peak of live buffers is what must
 * fit, not their sum (a chain of stored matrices, each read by the next, holds two at a time).
 */
import { LivePeak } from './livePeak.js'

export interface SearchGraph {
  /** Variables an equation's variable reads (its producer's inputs). */
  reads(id: number): readonly number[]
  /** Variables that read this one. */
  readers(id: number): readonly number[]
  /** Elements the variable's buffer holds. */
  elements(id: number): number
  /** Computed on the host (no kernel, no work counted). */
  isHost(id: number): boolean
  /**
   * A kernel may look past this variable even when it is stored: the softmax normalizer follows a
   * max through broadcasts, reshapes and stop_gradient to see whether the max itself is stored.
   */
  seeThrough(id: number): boolean
  /** The estimated work of the kernel computing `id` when `stored` are the variables in buffers. */
  kernelCost(id: number, stored: ReadonlySet<number>): number
  /** The step at which the variable's kernel runs (plans run kernels in the graph's order). */
  step(id: number): number
  /** Steps of the plan: an output of the graph stays live to the last. */
  steps: number
  isOutput(id: number): boolean
  /** Elements the stored buffers may hold at once (Infinity: no bound, and no lifetimes tracked). */
  budget: number
  /** A kernel recomputing more variables than this is not considered (its cost is Infinity, unbuilt). */
  maxRecomputed: number
  /** Kernel costs by variable and frontier, shared by every search over this graph. */
  memo: Map<string, number>
}

/**
 * The stored variables a kernel reads: reached from its operands `start` through recomputed
 * variables (and past stored ones it sees through). Its code depends on nothing else. Undefined
 * when it recomputes more than `maxRecomputed` variables on the way.
 */
export function frontierOf(
  start: readonly number[],
  g: Pick<SearchGraph, 'reads' | 'seeThrough'>,
  stored: (id: number) => boolean,
  maxRecomputed = Infinity,
): number[] | undefined {
  const out: number[] = []
  const seen = new Set<number>()
  const stack = [...start]
  let recomputed = 0
  while (stack.length) {
    const v = stack.pop()!
    if (seen.has(v)) continue
    seen.add(v)
    if (stored(v)) out.push(v)
    else if (++recomputed > maxRecomputed) return undefined
    if (!stored(v) || g.seeThrough(v)) stack.push(...g.reads(v))
  }
  return out.sort((a, b) => a - b)
}

export class StoredWork implements Iterable<number> {
  private readonly members = new Set<number>()
  /** The work of each stored variable's kernel. */
  private readonly own = new Map<number, number>()
  /** Under a budget: the stored variables each stored kernel reads, the kernels reading each, and the live buffers' peak. */
  private readonly lifetimes?: {
    reads: Map<number, number[]>
    readBy: Map<number, Set<number>>
    live: Map<number, [number, number]>
    peak: LivePeak
  }

  constructor(
    private readonly g: SearchGraph,
    start: Iterable<number> = [],
  ) {
    // all members first: a kernel built before a forced member (a host draw) joined would recompute it
    for (const id of start) this.members.add(id)
    if (g.budget < Infinity)
      this.lifetimes = { reads: new Map(), readBy: new Map(), live: new Map(), peak: new LivePeak(g.steps) }
    for (const id of this.members) this.rebuild(id)
    for (const id of this.members) this.relive(id)
  }

  has(id: number): boolean {
    return this.members.has(id)
  }

  [Symbol.iterator](): Iterator<number> {
    return this.members[Symbol.iterator]()
  }

  add(id: number): void {
    if (this.members.has(id)) return
    this.members.add(id)
    this.refresh(id)
  }

  delete(id: number): void {
    if (!this.members.delete(id)) return
    this.refresh(id)
  }

  /** Make the set equal to `ids`. */
  reset(ids: Iterable<number>): void {
    const want = new Set(ids)
    for (const id of [...this.members]) if (!want.has(id)) this.delete(id)
    for (const id of want) this.add(id)
  }

  /** The estimated work of all stored kernels, or Infinity when the live buffers pass the memory budget. */
  cost(): number {
    if (this.peak() > this.g.budget) return Infinity
    let total = 0
    for (const id of this.members) total += this.own.get(id) ?? 0
    return total
  }

  /** The most elements the stored buffers hold at once (0 where no budget is set: not tracked). */
  peak(): number {
    return this.lifetimes?.peak.peak() ?? 0
  }

  /** A step at which the live buffers hold the peak. */
  peakStep(): number {
    return this.lifetimes?.peak.peakStep() ?? 0
  }

  /** Is the stored variable's buffer live at `step`? */
  liveAt(id: number, step: number): boolean {
    const range = this.lifetimes?.live.get(id)
    return range !== undefined && range[0] <= step && step <= range[1]
  }

  /** Re-cost the kernels whose code a change to `id` can alter, its own and the stored ones reaching it, and the lifetimes of what they read. */
  private refresh(id: number): void {
    const touched = new Set([id])
    for (const v of [id, ...this.storedReaders(id)]) for (const x of this.rebuild(v)) touched.add(x)
    for (const x of touched) this.relive(x)
  }

  /** Re-cost `v`'s kernel (none when it is not stored) and record what it reads; returns the variables whose readers changed. */
  private rebuild(v: number): number[] {
    const stored = this.members.has(v)
    const frontier = stored ? this.frontier(v) : undefined
    if (stored && !this.g.isHost(v)) this.own.set(v, this.kernelCost(v, frontier))
    else this.own.delete(v)
    const t = this.lifetimes
    if (!t) return []
    const before = t.reads.get(v) ?? []
    const after = frontier ?? []
    for (const x of before) t.readBy.get(x)?.delete(v)
    for (const x of after) {
      let by = t.readBy.get(x)
      if (!by) t.readBy.set(x, (by = new Set()))
      by.add(v)
    }
    if (stored) t.reads.set(v, after)
    else t.reads.delete(v)
    return [...before, ...after]
  }

  /** Place `x`'s lifetime anew: from its step to its last reader's (an output's to the end), none when it is not stored. */
  private relive(x: number): void {
    const t = this.lifetimes
    if (!t) return
    const old = t.live.get(x)
    if (old) t.peak.add(old[0], old[1], -this.g.elements(x))
    t.live.delete(x)
    if (!this.members.has(x)) return
    const first = this.g.step(x)
    let last = this.g.isOutput(x) ? this.g.steps - 1 : first
    for (const r of t.readBy.get(x) ?? []) last = Math.max(last, this.g.step(r))
    t.live.set(x, [first, last])
    t.peak.add(first, last, this.g.elements(x))
  }

  /** The stored variables that read `id` through recomputed ones. */
  private storedReaders(id: number): number[] {
    const out: number[] = []
    const seen = new Set<number>()
    const stack = [...this.g.readers(id)]
    while (stack.length) {
      const v = stack.pop()!
      if (seen.has(v)) continue
      seen.add(v)
      if (this.members.has(v)) out.push(v)
      if (!this.members.has(v) || this.g.seeThrough(v)) stack.push(...this.g.readers(v))
    }
    return out
  }

  /** The stored variables `id`'s kernel reads, or undefined past `maxRecomputed` (frontierOf). */
  private frontier(id: number): number[] | undefined {
    return frontierOf(this.g.reads(id), this.g, (v) => this.members.has(v), this.g.maxRecomputed)
  }

  private kernelCost(id: number, frontier: number[] | undefined): number {
    if (!frontier) return Infinity
    const key = `${id}|${frontier.join(',')}`
    let c = this.g.memo.get(key)
    if (c === undefined) this.g.memo.set(key, (c = this.g.kernelCost(id, this.members)))
    return c
  }
}
