/**
 * A long reduction over several axes (a mean over a whole matrix) becomes two: one over the last
 * axis, whose kernel has a thread per row (vectorized, split over cores), then one over the rest.
 * Left whole it is a single thread summing millions of terms into one float32 accumulator:
 * slow, and less accurate than summing rows first.
 */
import type { Eqn, Graph, Var } from '../ir/types.js'
import { freshIds } from './rewrite.js'

const REDUCTIONS = new Set(['reduce_sum', 'reduce_max', 'reduce_min'])

export function splitReductions(g: Graph, minElements = 1 << 16): Graph {
  const fresh = freshIds(g)
  const eqns: Eqn[] = []
  for (const e of g.eqns) {
    const x = e.inputs[0]
    if (!REDUCTIONS.has(e.prim) || !x) {
      eqns.push(e)
      continue
    }
    const axes = e.params.axes as number[] | undefined
    const last = x.kind === 'var' ? x.shape.length - 1 : -1
    const size = x.kind === 'var' ? x.shape.reduce((a, b) => a * b, 1) : 0
    if (x.kind !== 'var' || !axes || axes.length < 2 || !axes.includes(last) || size < minElements || x.shape[last] < 2) {
      eqns.push(e)
      continue
    }
    const rows: Var = { kind: 'var', id: fresh(), shape: x.shape.slice(0, -1), dtype: e.outputs[0].dtype }
    eqns.push({ ...e, params: { ...e.params, axes: [last] }, outputs: [rows] })
    eqns.push({ ...e, inputs: [rows], params: { ...e.params, axes: axes.filter((a) => a !== last) } })
  }
  return { ...g, eqns }
}
