/**
 * What graph rewrites share: a pass over the equations that keeps each one or replaces it by
 * equations it emits (new variables get fresh ids, new equations the replaced one's source
 * location), with the producer of every variable at hand.
 */
import type { Atom, Eqn, Graph, PrimName, Var } from '../ir/types.js'
import { avalOf } from '../ir/types.js'
import { primitive } from '../ir/primitive.js'
import { sameShape, showShape } from '../ir/shape.js'

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

export interface Rewriter {
  /** The producer of each variable of the graph being rewritten. */
  producer: Map<number, Eqn>
  /** Append prim(inputs) into a new variable (of the shape and dtype the primitive's rule gives); returns it. */
  emit(prim: PrimName, inputs: Atom[], params?: Record<string, unknown>): Var
  /** Append prim(inputs) into `out` (the replaced equation's output; its shape and dtype are checked). */
  emitInto(out: Var, prim: PrimName, inputs: Atom[], params?: Record<string, unknown>): void
}

/**
 * `g` with every equation for which `rule` returns true replaced by what the rule emitted (ending
 * with an equation into the replaced one's output), and every other kept as it is.
 */
export function rewriteEach(g: Graph, rule: (e: Eqn, r: Rewriter) => boolean): { graph: Graph; changed: boolean } {
  const fresh = freshIds(g)
  const eqns: Eqn[] = []
  let changed = false
  let current: Eqn | undefined
  const emitInto = (out: Var, prim: PrimName, inputs: Atom[], params: Record<string, unknown> = {}) => {
    const [aval] = primitive(prim).infer(inputs.map(avalOf), params)
    if (!sameShape(aval.shape, out.shape) || aval.dtype !== out.dtype)
      throw new Error(
        `internal: a rewrite of ${current?.prim} makes ${prim} of ${aval.dtype}${showShape(aval.shape)} into a variable of ${out.dtype}${showShape(out.shape)}`,
      )
    eqns.push({ prim, inputs, params, outputs: [out], ...(current?.loc ? { loc: current.loc } : {}) })
  }
  const r: Rewriter = {
    producer: producersOf(g),
    emit: (prim, inputs, params = {}) => {
      const [aval] = primitive(prim).infer(inputs.map(avalOf), params)
      const out: Var = { kind: 'var', id: fresh(), shape: aval.shape, dtype: aval.dtype }
      emitInto(out, prim, inputs, params)
      return out
    },
    emitInto,
  }
  for (const e of g.eqns) {
    const start = eqns.length
    current = e
    if (rule(e, r)) changed = true
    else {
      eqns.length = start
      eqns.push(e)
    }
  }
  return { graph: { ...g, eqns }, changed }
}
