/**
 * The set of stored (materialized) variables during the fusion search, with the estimated work of
 * every stored kernel kept up to date. A kernel's code depends only on its frontier: the stored
 * variables its element code reaches through recomputed ones (and through the few it looks past,
 * `seeThrough`). So storing or recomputing a variable
 * changes only its own kernel and the kernels that reach it through recomputed variables; those are
 * re-costed (from a cache keyed on the frontier), and nothing else is rebuilt.
 */
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
  /** Elements the stored buffers may hold in all. */
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
  private elementCount = 0

  constructor(
    private readonly g: SearchGraph,
    start: Iterable<number> = [],
  ) {
    // all members first: a kernel built before a forced member (a host draw) joined would recompute it
    for (const id of start)
      if (!this.members.has(id)) {
        this.members.add(id)
        this.elementCount += g.elements(id)
      }
    for (const id of this.members) if (!g.isHost(id)) this.own.set(id, this.kernelCost(id))
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
    this.elementCount += this.g.elements(id)
    this.refresh(id)
  }

  delete(id: number): void {
    if (!this.members.delete(id)) return
    this.elementCount -= this.g.elements(id)
    this.refresh(id)
  }

  /** Make the set equal to `ids`. */
  reset(ids: Iterable<number>): void {
    const want = new Set(ids)
    for (const id of [...this.members]) if (!want.has(id)) this.delete(id)
    for (const id of want) this.add(id)
  }

  /** The estimated work of all stored kernels, or Infinity when the buffers pass the memory budget. */
  cost(): number {
    if (this.elementCount > this.g.budget) return Infinity
    let total = 0
    for (const id of this.members) total += this.own.get(id) ?? 0
    return total
  }

  /** Re-cost the kernels whose code a change to `id` can alter: its own, and the stored ones reaching it. */
  private refresh(id: number): void {
    for (const v of [id, ...this.storedReaders(id)]) {
      if (this.members.has(v) && !this.g.isHost(v)) this.own.set(v, this.kernelCost(v))
      else this.own.delete(v)
    }
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

  private kernelCost(id: number): number {
    const frontier = this.frontier(id)
    if (!frontier) return Infinity
    const key = `${id}|${frontier.join(',')}`
    let c = this.g.memo.get(key)
    if (c === undefined) this.g.memo.set(key, (c = this.g.kernelCost(id, this.members)))
    return c
  }
}
