/**
 * The max (or min) of a value scaled by a constant is the scaled max (or min, for a negative
 * constant): max(c·x) → c·max(x), max(c·x) → c·min(x) for c < 0, exactly (rounding is monotone).
 * The drifting loss's three temperatures scale one distance matrix by −1/τ: their row maxima all
 * become one row minimum of the distances (merged by common-subexpression elimination), read
 * three times.
 */
import type { Graph } from '../ir/types.js'
import { rewriteEach } from './rewrite.js'

const OTHER: Record<string, 'reduce_min' | 'reduce_max'> = { reduce_max: 'reduce_min', reduce_min: 'reduce_max' }

export const scaledExtrema = (g: Graph) =>
  rewriteEach(g, (e, { producer, emit, emitInto }) => {
    const x = e.inputs[0]
    const p = e.prim in OTHER && x?.kind === 'var' ? producer.get(x.id) : undefined
    const [a, b] = p?.prim === 'mul' ? p.inputs : []
    const [v, c] =
      a?.kind === 'var' && b?.kind === 'lit' ? [a, b] : b?.kind === 'var' && a?.kind === 'lit' ? [b, a] : []
    if (
      !v ||
      c?.kind !== 'lit' ||
      !(c.value !== 0 && Number.isFinite(c.value)) ||
      v.kind !== 'var' ||
      v.dtype !== 'f32'
    )
      return false
    const out = e.outputs[0]
    emitInto(out, 'mul', [emit(c.value > 0 ? e.prim : OTHER[e.prim], [v], e.params), c])
    return true
  })
