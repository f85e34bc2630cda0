/**
 * Reverse-mode AD as an L1 → L1 transformation: walk a segment of equations backwards and emit,
 * through each primitive's VJP rule, the equations that compute cotangents. Only equations that
 * depend on the differentiated values are visited; a primitive without a rule on such a path is
 * an error (never a silent zero).
 */
import type { Atom, Eqn, SourceLoc } from '../ir/types.js'
import { avalOf } from '../ir/types.js'
import type { GraphBuilder } from '../ir/builder.js'
import { primitive, type VjpCtx } from '../ir/primitive.js'
import { showShape } from '../ir/shape.js'

/** A stretch of equations whose adjoint the user supplied (customVjp). */
export interface CustomRegion {
  start: number
  end: number
  /** Given the cotangents of the region's outputs, emit and return the cotangents of its inputs. */
  inputs: Atom[]
  outputs: Atom[]
  adjoint(outCts: (Atom | undefined)[]): (Atom | undefined)[]
}

export class NoGradientError extends Error {
  constructor(
    readonly prim: string,
    readonly loc: SourceLoc | undefined,
  ) {
    super(`'${prim}' has no gradient rule`)
  }
}

export interface Seed {
  atom: Atom
  ct: Atom
}

/**
 * Cotangents of `wrt` variables, for equations `eqns` (absolute indices `offset…`) of the builder's
 * graph, seeded at `seeds`. New equations are appended to the builder.
 */
export function backprop(
  b: GraphBuilder,
  offset: number,
  eqns: Eqn[],
  wrt: Set<number>,
  seeds: Seed[],
  regions: CustomRegion[] = [],
): Map<number, Atom> {
  const active = new Set(wrt)
  for (const e of eqns)
    if (e.inputs.some((a) => a.kind === 'var' && active.has(a.id))) for (const o of e.outputs) active.add(o.id)
  const cts = new Map<number, Atom>()
  let loc: SourceLoc | undefined
  const ctx: VjpCtx = {
    emit: (prim, inputs, params) => b.emit1(prim, inputs, (params ?? {}) as Record<string, unknown>, loc),
  }
  const addCt = (a: Atom, ct: Atom | undefined) => {
    if (!ct || a.kind !== 'var' || !active.has(a.id)) return
    const have = avalOf(ct)
    if (showShape(have.shape) !== showShape(a.shape))
      throw new Error(`internal: cotangent ${showShape(have.shape)} for a value of shape ${showShape(a.shape)}`)
    const prev = cts.get(a.id)
    cts.set(a.id, prev ? ctx.emit('add', [prev, ct]) : ct)
  }
  for (const s of seeds) addCt(s.atom, s.ct)
  for (let i = eqns.length - 1; i >= 0; i--) {
    const region = regions.find((r) => r.end - 1 === offset + i && r.start >= offset)
    if (region) {
      const outCts = region.outputs.map((o) => (o.kind === 'var' ? cts.get(o.id) : undefined))
      if (outCts.some(Boolean)) region.adjoint(outCts).forEach((ct, j) => addCt(region.inputs[j], ct))
      i = region.start - offset
      continue
    }
    const e = eqns[i]
    if (!e.inputs.some((a) => a.kind === 'var' && active.has(a.id))) continue
    const outCts = e.outputs.map((o) => cts.get(o.id))
    if (!outCts.some(Boolean)) continue
    const rule = primitive(e.prim).vjp
    if (!rule) throw new NoGradientError(e.prim, e.loc)
    loc = e.loc
    rule(ctx, e, outCts).forEach((ct, j) => addCt(e.inputs[j], ct))
  }
  return cts
}
