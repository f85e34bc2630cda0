/**
 * The set of stored (materialized) variables during the fusion search. A kernel's code depends
 * only on which of its ancestors are stored, so every variable carries a fingerprint of exactly
 * that (XOR of random salts, kept up to date on every change): cost caches key on it in O(1).
 */
export class StoredSet implements Iterable<number> {
  private readonly members = new Set<number>()
  private readonly lanes = [new Map<number, number>(), new Map<number, number>()]

  constructor(
    private readonly descendants: Map<number, number[]>,
    private readonly salt: (id: number, lane: number) => number,
    start: Iterable<number> = [],
  ) {
    for (const id of start) this.add(id)
  }

  has(id: number): boolean {
    return this.members.has(id)
  }

  get size(): number {
    return this.members.size
  }

  [Symbol.iterator](): Iterator<number> {
    return this.members[Symbol.iterator]()
  }

  private flip(id: number): void {
    for (const d of this.descendants.get(id) ?? [])
      this.lanes.forEach((lane, i) => lane.set(d, (lane.get(d) ?? 0) ^ this.salt(id, i)))
  }

  add(id: number): void {
    if (this.members.has(id)) return
    this.members.add(id)
    this.flip(id)
  }

  delete(id: number): void {
    if (!this.members.delete(id)) return
    this.flip(id)
  }

  /** Make the set equal to `ids`. */
  reset(ids: Iterable<number>): void {
    const want = new Set(ids)
    for (const id of [...this.members]) if (!want.has(id)) this.delete(id)
    for (const id of want) this.add(id)
  }

  /** Which of `id`'s ancestors are stored, as a short key. */
  fingerprint(id: number): string {
    return `${this.lanes[0].get(id) ?? 0}:${this.lanes[1].get(id) ?? 0}`
  }
}

/** Variables that depend on each variable (the inverse of the ancestor sets). */
export function descendantsOf(ancestors: Map<number, Set<number>>): Map<number, number[]> {
  const out = new Map<number, number[]>()
  for (const [id, anc] of ancestors)
    for (const a of anc) {
      let list = out.get(a)
      if (!list) out.set(a, (list = []))
      list.push(id)
    }
  return out
}

/** A deterministic 32-bit salt per (variable, lane). */
export function salt(id: number, lane: number): number {
  let x = (Math.imul(id + 1, 0x9e3779b1) ^ Math.imul(lane + 1, 0x85ebca6b)) >>> 0
  x ^= x >>> 16
  x = Math.imul(x, 0x7feb352d)
  x ^= x >>> 15
  return x >>> 0
}
