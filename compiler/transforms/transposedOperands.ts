/**
 * For SIMD backends: a pairwise distance cdist(x, y) reads y[j, c] for consecutive j across the
 * vector lanes, D floats apart — one load per lane. This rewrite reads y through a transposed
 * copy, y → yᵀ [.., D, P] → (yᵀ)ᵀ, and offers yᵀ to the fusion search as a buffer: stored, every
 * load of the distance loop is contiguous along j (one vector load); left inline, the two
 * transposes cancel in the element code and the kernel reads y exactly as before. The cost
 * model (its gather weight) decides.
 */
import type { Graph } from '../ir/types.js'
import { rewriteEach } from './rewrite.js'

/** The graph with the transposes added, and the ids of the yᵀ variables (materialization candidates). */
export function transposedOperands(g: Graph): { graph: Graph; layouts: Set<number> } {
  const layouts = new Set<number>()
  const { graph } = rewriteEach(g, (e, { emit, emitInto }) => {
    const [x, y] = e.inputs
    if (e.prim !== 'cdist' || !y || y.kind !== 'var') return false
    const rank = y.shape.length
    const perm = [...y.shape.keys()]
    ;[perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2]
    const yT = emit('transpose', [y], { perm })
    emitInto(e.outputs[0], 'cdist', [x, emit('transpose', [yT], { perm })], e.params)
    layouts.add(yT.id)
    return true
  })
  return { graph, layouts }
}
