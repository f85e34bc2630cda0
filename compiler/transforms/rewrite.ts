/** What graph rewrites that add equations share: fresh variable ids, and each variable's producer. */
import type { Eqn, Graph } from '../ir/types.js'

/** A source of variable ids not used in `g`. */
export function freshIds(g: Graph): () => number {
  let next = 0
  for (const v of g.inputs) next = Math.max(next, v.id + 1)
  for (const e of g.eqns) for (const o of e.outputs) next = Math.max(next, o.id + 1)
  return () => next++
}

/** The equation producing each variable of `g`. */
export function producersOf(g: Graph): Map<number, Eqn> {
  const m = new Map<number, Eqn>()
  for (const e of g.eqns) for (const o of e.outputs) m.set(o.id, e)
  return m
}
