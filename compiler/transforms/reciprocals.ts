/**
 * Division by a value shared by many elements becomes multiplication by its reciprocal:
 * x / c → x · (1/c) for a literal c, x / s → x · (1/s) for a rank-0 s, and x / broadcast(s) →
 * x · broadcast(1/s), the reciprocal computed once per element of s. A SIMD division takes several times a multiply's throughput,
 * and softmax normalizers, temperatures and feature scales divide every element of a pairwise
 * matrix. The result differs from the quotient by at most an ulp or so; a divisor so small that
 * its reciprocal overflows (|s| < 3e−39, subnormal) gives ±∞ instead of a huge finite quotient.
 */
import type { Atom, Eqn, Graph, Var } from '../ir/types.js'
import { freshIds, producersOf } from './rewrite.js'

export function reciprocals(g: Graph): { graph: Graph; changed: boolean } {
  const fresh = freshIds(g)
  const producer = producersOf(g)
  const eqns: Eqn[] = []
  let changed = false
  for (const e of g.eqns) {
    const [x, d] = e.inputs
    const out = e.outputs[0]
    if (e.prim !== 'div' || out.dtype !== 'f32' || !d) {
      eqns.push(e)
      continue
    }
    if (d.kind === 'lit') {
      const r = 1 / d.value
      if (d.value !== 0 && Number.isFinite(r) && Math.abs(r) >= 2 ** -126) {
        eqns.push({ ...e, prim: 'mul', inputs: [x, { kind: 'lit', value: r, dtype: 'f32' }] })
        changed = true
      } else eqns.push(e)
      continue
    }
    const one: Atom = { kind: 'lit', value: 1, dtype: 'f32' }
    const reciprocal = (of: Var): Var => {
      const r: Var = { kind: 'var', id: fresh(), shape: of.shape, dtype: 'f32' }
      eqns.push({ prim: 'div', inputs: [one, of], params: {}, outputs: [r], loc: e.loc })
      return r
    }
    const b = producer.get(d.id)
    const src = b?.prim === 'broadcast' ? b.inputs[0] : undefined
    if (d.shape.length === 0 && out.shape.length > 0 && d.dtype === 'f32') {
      // a rank-0 divisor (a scalar argument, a mean) of a whole array
      eqns.push({ ...e, prim: 'mul', inputs: [x, reciprocal(d)] })
      changed = true
    } else if (b && src?.kind === 'var' && src.dtype === 'f32') {
      const spread: Var = { kind: 'var', id: fresh(), shape: d.shape, dtype: 'f32' }
      eqns.push({ ...b, inputs: [reciprocal(src)], outputs: [spread] })
      eqns.push({ ...e, prim: 'mul', inputs: [x, spread] })
      changed = true
    } else eqns.push(e)
  }
  return { graph: { ...g, eqns }, changed }
}
