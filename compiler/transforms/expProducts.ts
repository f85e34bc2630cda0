/**
 * Products of exponentials: (e^a / q) · (e^b / s) → e^(a+b) / q / s, and likewise without the
 * divisors. One exp instead of two per element; and where both factors are tiny (a row softmax
 * times a column softmax far from the mode) their product no longer passes through subnormal
 * floats, which x86 computes at a fraction of the normal speed — the sum underflows to an exact 0
 * in the exponential instead. XLA's algebraic simplifier makes the same rewrite. Applied only
 * where every operand has the product's shape (elementwise, no implicit broadcast), and not to a
 * square.
 */
import type { Atom, Graph } from '../ir/types.js'
import { sameShape } from '../ir/shape.js'
import { rewriteEach } from './rewrite.js'

interface ExpTerm {
  arg: Atom
  divisor?: Atom
}

export const expProducts = (g: Graph) =>
  rewriteEach(g, (e, { producer, emit, emitInto }) => {
    const out = e.outputs[0]
    const fits = (a: Atom | undefined) =>
      !!a && (a.kind === 'lit' || (sameShape(a.shape, out.shape) && a.dtype === 'f32'))
    const term = (a: Atom): ExpTerm | undefined => {
      const p = a.kind === 'var' ? producer.get(a.id) : undefined
      if (p?.prim === 'exp' && fits(p.inputs[0])) return { arg: p.inputs[0] }
      if (p?.prim !== 'div' || !fits(p.inputs[1])) return undefined
      const inner = term(p.inputs[0])
      return inner && !inner.divisor ? { arg: inner.arg, divisor: p.inputs[1] } : undefined
    }
    // a square (x·x) keeps its one multiply of a value computed anyway
    const [a, b] = e.inputs
    const square = a?.kind === 'var' && b?.kind === 'var' && a.id === b.id
    const [u, v] = e.prim === 'mul' && out.dtype === 'f32' && !square ? e.inputs.map(term) : []
    if (!u || !v) return false
    const sum = emit('add', [u.arg, v.arg])
    const divisors = [u.divisor, v.divisor].filter((d): d is Atom => d !== undefined)
    if (divisors.length === 0) emitInto(out, 'exp', [sum])
    else {
      const quotient = divisors.slice(0, -1).reduce<Atom>((q, d) => emit('div', [q, d]), emit('exp', [sum]))
      emitInto(out, 'div', [quotient, divisors[divisors.length - 1]])
    }
    return true
  })
