/**
 * A long reduction over several axes (a mean over a whole matrix) becomes two: one over the last
 * axis, whose kernel has a thread per row (vectorized, split over cores, or a GPU thread each),
 * then one over the rest. Left whole it is a single thread summing millions of terms into one
 * float32 accumulator: slow, and less accurate than summing rows first. The rows must be stored:
 * recomputed inside the reduction over the rest, they would be that single thread's loop again.
 */
import type { Graph } from '../ir/types.js'
import { rewriteEach } from './rewrite.js'

const REDUCTIONS = new Set(['reduce_sum', 'reduce_max', 'reduce_min'])

/** The graph with the long reductions split, and the ids of the per-row reductions (to be stored). */
export function splitReductions(g: Graph, minElements = 1 << 16): { graph: Graph; rows: Set<number> } {
  const rows = new Set<number>()
  const { graph } = rewriteEach(g, (e, { emit, emitInto }) => {
    const x = e.inputs[0]
    const axes = e.params.axes as number[] | undefined
    if (!REDUCTIONS.has(e.prim) || x?.kind !== 'var' || !axes) return false
    const last = x.shape.length - 1
    const size = x.shape.reduce((a, b) => a * b, 1)
    if (axes.length < 2 || !axes.includes(last) || size < minElements || x.shape[last] < 2) return false
    const out = e.outputs[0]
    const perRow = emit(e.prim, [x], { ...e.params, axes: [last] })
    emitInto(out, e.prim, [perRow], { ...e.params, axes: axes.filter((a) => a !== last) })
    rows.add(perRow.id)
    return true
  })
  return { graph, rows }
}
