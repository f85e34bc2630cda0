/**
 * Square roots pushed toward their smallest operands, where every factor is known nonnegative:
 * √max(x, c) → max(√x, √c) for a literal c ≥ 0 (√ is monotone, and x ≥ 0 has a root); √(a·b) → √a·√b; √e^s → e^(s/2);
 * √broadcast(r) → broadcast(√r). The affinity √(softmax_row ⊙ softmax_col) of the drifting loss,
 * e^(a+b)·(1/Σ_row)·(1/Σ_col), then takes no √ per element: one per row and per column sum.
 * Nonnegative: e^x, √x, |x|, x·x, literals ≥ 0, and products, quotients, sums, maxima,
 * broadcasts and reshapes of nonnegative values.
 */
import type { Atom, Eqn, Graph, PrimName, Var } from '../ir/types.js'
import { freshIds } from './rewrite.js'

const PRESERVING = new Set([
  'mul',
  'div',
  'add',
  'max',
  'broadcast',
  'reshape',
  'stop_gradient',
  'reduce_sum',
  'reduce_max',
  'copy',
])

export function roots(g: Graph): { graph: Graph; changed: boolean } {
  const fresh = freshIds(g)
  const producer = new Map<number, Eqn>()
  const nonneg = new Set<number>()
  const isNonneg = (a: Atom) => (a.kind === 'lit' ? a.value >= 0 : nonneg.has(a.id))
  const eqns: Eqn[] = []
  let changed = false
  /** A new equation; every one the rewrites make yields a nonnegative value except the halved exponent. */
  const emit = (
    e: Eqn,
    prim: PrimName,
    inputs: Atom[],
    params: Record<string, unknown>,
    like: Atom & { kind: 'var' },
    out?: Var,
    nonnegative = true,
  ): Var => {
    const o = out ?? { kind: 'var' as const, id: fresh(), shape: like.shape, dtype: 'f32' as const }
    eqns.push({ prim, inputs, params, outputs: [o], loc: e.loc })
    producer.set(o.id, eqns[eqns.length - 1])
    if (nonnegative) nonneg.add(o.id)
    return o
  }
  for (const e of g.eqns) {
    const out = e.outputs[0]
    const x = e.inputs[0]
    const p = e.prim === 'sqrt' && x?.kind === 'var' && out.dtype === 'f32' ? producer.get(x.id) : undefined
    const [a, b] = p?.inputs ?? []
    const lit = (v: number): Atom => ({ kind: 'lit', value: v, dtype: 'f32' })
    if (p?.prim === 'max' && a?.kind === 'var' && isNonneg(a) && b?.kind === 'lit' && b.value >= 0) {
      emit(e, 'max', [emit(e, 'sqrt', [a], {}, a), lit(Math.sqrt(b.value))], {}, out, out)
      changed = true
    } else if (p?.prim === 'mul' && a && b && isNonneg(a) && isNonneg(b) && (a.kind === 'var' || b.kind === 'var')) {
      const root = (v: Atom) => (v.kind === 'lit' ? lit(Math.sqrt(v.value)) : emit(e, 'sqrt', [v], {}, v))
      emit(e, 'mul', [root(a), root(b)], {}, out, out)
      changed = true
    } else if (p?.prim === 'exp' && a) {
      emit(
        e,
        'exp',
        [a.kind === 'lit' ? lit(a.value / 2) : emit(e, 'mul', [a, lit(0.5)], {}, a, undefined, false)],
        {},
        out,
        out,
      )
      changed = true
    } else if (p?.prim === 'broadcast' && a?.kind === 'var' && isNonneg(a)) {
      emit(e, 'broadcast', [emit(e, 'sqrt', [a], {}, a)], p.params, out, out)
      changed = true
    } else {
      eqns.push(e)
      for (const o of e.outputs) producer.set(o.id, e)
      const self =
        e.inputs.length === 2 &&
        e.inputs[0].kind === 'var' &&
        e.inputs[1].kind === 'var' &&
        e.inputs[0].id === e.inputs[1].id
      const known =
        ['exp', 'sqrt', 'abs'].includes(e.prim) ||
        (e.prim === 'mul' && self) ||
        (e.prim === 'max' && e.inputs.some(isNonneg)) ||
        (PRESERVING.has(e.prim) && e.prim !== 'max' && e.inputs.length > 0 && e.inputs.every(isNonneg))
      if (known) nonneg.add(out.id)
    }
  }
  return { graph: { ...g, eqns }, changed }
}
