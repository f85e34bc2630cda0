/**
 * For SIMD backends: a pairwise distance cdist(x, y) reads y[j, c] for consecutive j across the
 * vector lanes, D floats apart — one load per lane. This rewrite reads y through a transposed
 * copy, y → yᵀ [.., D, P] → (yᵀ)ᵀ, and offers yᵀ to the fusion search as a buffer: stored, every
 * load of the distance loop is contiguous along j (one vector load); left inline, the two
 * transposes cancel in the element code and the kernel reads y exactly as before. The cost
 * model (its gather weight) decides.
 */
import type { Eqn, Graph, Var } from '../ir/types.js'
import { freshIds } from './rewrite.js'

/** The graph with the transposes added, and the ids of the yᵀ variables (materialization candidates). */
export function transposedOperands(g: Graph): { graph: Graph; layouts: Set<number> } {
  const fresh = freshIds(g)
  const layouts = new Set<number>()
  const eqns: Eqn[] = []
  for (const e of g.eqns) {
    const y = e.inputs[1]
    if (e.prim !== 'cdist' || !y || y.kind !== 'var') {
      eqns.push(e)
      continue
    }
    const rank = y.shape.length
    const perm = [...y.shape.keys()]
    ;[perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2]
    const yT: Var = { kind: 'var', id: fresh(), shape: perm.map((p) => y.shape[p]), dtype: y.dtype }
    const yTT: Var = { kind: 'var', id: fresh(), shape: y.shape, dtype: y.dtype }
    eqns.push({ prim: 'transpose', inputs: [y], params: { perm }, outputs: [yT], loc: e.loc })
    eqns.push({ prim: 'transpose', inputs: [yT], params: { perm }, outputs: [yTT], loc: e.loc })
    eqns.push({ ...e, inputs: [e.inputs[0], yTT] })
    layouts.add(yT.id)
  }
  return { graph: { ...g, eqns }, layouts }
}
