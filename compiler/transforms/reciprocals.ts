/**
 * Division by a value shared by many elements becomes multiplication by its reciprocal:
 * x / c → x · (1/c) for a literal c, x / s → x · (1/s) for a rank-0 s, and x / broadcast(s) →
 * x · broadcast(1/s), the reciprocal computed once per element of s. A SIMD division takes several times a multiply's throughput,
 * and softmax normalizers, temperatures and feature scales divide every element of a pairwise
 * matrix. The result differs from the quotient by at most an ulp or so; a divisor so small that
 * its reciprocal overflows (|s| < 3e−39, subnormal) gives ±∞ instead of a huge finite quotient.
 */
import type { Atom, Graph, Var } from '../ir/types.js'
import { rewriteEach } from './rewrite.js'

const ONE: Atom = { kind: 'lit', value: 1, dtype: 'f32' }

export const reciprocals = (g: Graph) =>
  rewriteEach(g, (e, { producer, emit, emitInto }) => {
    const [x, d] = e.inputs
    const out = e.outputs[0]
    if (e.prim !== 'div' || out.dtype !== 'f32' || !d) return false
    if (d.kind === 'lit') {
      const r = 1 / d.value
      if (d.value === 0 || !Number.isFinite(r) || Math.abs(r) < 2 ** -126) return false
      emitInto(out, 'mul', [x, { kind: 'lit', value: r, dtype: 'f32' }])
      return true
    }
    const reciprocal = (of: Var) => emit('div', [ONE, of])
    if (d.shape.length === 0 && out.shape.length > 0 && d.dtype === 'f32') {
      // a rank-0 divisor (a scalar argument, a mean) of a whole array
      emitInto(out, 'mul', [x, reciprocal(d)])
      return true
    }
    const b = producer.get(d.id)
    const src = b?.prim === 'broadcast' ? b.inputs[0] : undefined
    if (!b || src?.kind !== 'var' || src.dtype !== 'f32') return false
    emitInto(out, 'mul', [x, emit('broadcast', [reciprocal(src)], b.params)])
    return true
  })
