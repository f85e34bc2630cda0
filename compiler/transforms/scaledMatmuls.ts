/**
 * A row scale comes out of a matrix product: (a ⊙ r)·y → r ⊙ (a·y) where r is broadcast along
 * the contracted axis (shape [.., M, 1]). The contraction then multiplies only a and y, and the
 * scale is applied once per output element instead of once per term (the drifting field's
 * weights A⁺ ⊙ ΣA⁻ before their product with Y⁺).
 */
import type { Graph, Var } from '../ir/types.js'
import { rewriteEach } from './rewrite.js'

export const scaledMatmuls = (g: Graph) =>
  rewriteEach(g, (e, { producer, emit, emitInto }) => {
    /** The broadcast of a [.., M, 1] value that `v` is, if it is one. */
    const rowScale = (v: Var): Var | undefined => {
      const b = producer.get(v.id)
      const s = b?.prim === 'broadcast' ? b.inputs[0] : undefined
      return s?.kind === 'var' && s.shape.length === v.shape.length && s.shape[s.shape.length - 1] === 1 ? s : undefined
    }
    const [x, y] = e.inputs
    const p = e.prim === 'matmul' && x?.kind === 'var' ? producer.get(x.id) : undefined
    const [a, b] = p?.prim === 'mul' ? p.inputs : []
    const scale = b?.kind === 'var' ? rowScale(b) : undefined
    const other = a?.kind === 'var' ? rowScale(a) : undefined
    const [term, s] = scale ? [a, scale] : other ? [b, other] : []
    if (!term || !s || term.kind !== 'var' || !y) return false
    const out = e.outputs[0]
    const product = emit('matmul', [term, y], e.params)
    emitInto(out, 'mul', [product, emit('broadcast', [s], { shape: out.shape })])
    return true
  })
