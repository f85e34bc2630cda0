/**
 * Simplification of L1 graphs (run after autodiff and at the end of specialization):
 * identity elimination, constant folding of scalar arithmetic, algebraic identities (and
 * products of exponentials, expProducts.ts; division by shared values, reciprocals.ts;
 * square roots of nonnegative products, roots.ts; extrema of scaled values, scaledExtrema.ts;
 * row scales out of matrix products, scaledMatmuls.ts),
 * common-subexpression elimination and dead-code elimination.
 */
import { checked } from '../ir/verify.js'
import type { Atom, Eqn, Graph, Lit } from '../ir/types.js'
import { primitive } from '../ir/primitive.js'
import { sameShape } from '../ir/shape.js'
import { alloc } from '../ir/ndarray.js'
import { expProducts } from './expProducts.js'
import { reciprocals } from './reciprocals.js'
import { roots } from './roots.js'
import { scaledExtrema } from './scaledExtrema.js'
import { scaledMatmuls } from './scaledMatmuls.js'

const isLiteral = (a: Atom): a is Lit => a.kind === 'lit'
const key = (a: Atom) => (a.kind === 'var' ? `v${a.id}` : `l${a.value}:${a.dtype}`)

/** The atom an equation reduces to without computing anything, if any. */
function identityOf(e: Eqn, producer: Map<number, Eqn>): Atom | undefined {
  const [a, b] = e.inputs
  const isLit = (x: Atom | undefined, v: number) =>
    !!x &&
    (x.kind === 'lit' ? x.value === v : producer.get(x.id)?.prim === 'full' && producer.get(x.id)!.params.value === v)
  const out = e.outputs[0]
  const fits = (x: Atom) => x.kind === 'var' && sameShape(x.shape, out.shape) && x.dtype === out.dtype
  switch (e.prim) {
    case 'copy':
      return fits(a) ? a : undefined
    case 'reshape':
    case 'broadcast':
      return fits(a) ? a : undefined
    case 'transpose':
      return (e.params.perm as number[]).every((p, i) => p === i) && fits(a) ? a : undefined
    case 'add':
      return isLit(b, 0) && fits(a) ? a : isLit(a, 0) && fits(b) ? b : undefined
    case 'sub':
      return isLit(b, 0) && fits(a) ? a : undefined
    case 'mul':
      return isLit(b, 1) && fits(a) ? a : isLit(a, 1) && fits(b) ? b : undefined
    case 'div':
      return isLit(b, 1) && fits(a) ? a : undefined
    case 'cast':
      return fits(a) ? a : undefined
  }
  return undefined
}

/** Fold an equation of rank-0 literal operands into a literal. */
function fold(e: Eqn): Lit | undefined {
  const p = primitive(e.prim)
  if (
    (p.fusion !== 'elementwise' && p.fusion !== 'view') ||
    e.outputs.length !== 1 ||
    e.outputs[0].shape.length !== 0 ||
    e.prim === 'map' ||
    !e.inputs.every(isLiteral)
  )
    return undefined
  const ins = e.inputs.map((a) => {
    const arr = alloc([], a.dtype, 'f64')
    arr.data[0] = (a as Lit).value
    return arr
  })
  const [r] = p.evaluate(ins, e.params, 'f64')
  return { kind: 'lit', value: r.data[0], dtype: r.dtype }
}

/** reshape/broadcast of a constant (a literal, or a `full`) is a `full` of the new shape. */
function constantFill(e: Eqn, producer: Map<number, Eqn>): Eqn | undefined {
  if (e.prim !== 'reshape' && e.prim !== 'broadcast') return undefined
  const a = e.inputs[0]
  const src = a.kind === 'var' ? producer.get(a.id) : undefined
  const value = a.kind === 'lit' ? a.value : src?.prim === 'full' ? (src.params.value as number) : undefined
  if (value === undefined) return undefined
  const out = e.outputs[0]
  return { ...e, prim: 'full', inputs: [], params: { shape: out.shape, value, dtype: out.dtype } }
}

function simplifyOnce(g: Graph): { graph: Graph; changed: boolean } {
  const rename = new Map<number, Atom>()
  const sub = (a: Atom): Atom => (a.kind === 'var' ? (rename.get(a.id) ?? a) : a)
  const seen = new Map<string, Eqn>()
  const eqns: Eqn[] = []
  let changed = false
  const producer = new Map<number, Eqn>()
  for (const e0 of g.eqns) {
    let e = { ...e0, inputs: e0.inputs.map(sub) }
    const filled = constantFill(e, producer)
    if (filled) {
      e = filled
      changed = true
    }
    const same = identityOf(e, producer) ?? fold(e)
    if (same) {
      rename.set(e.outputs[0].id, same)
      changed = true
      continue
    }
    const k = `${e.prim}|${JSON.stringify(e.params)}|${e.inputs.map(key).join(',')}`
    const prev = seen.get(k)
    if (prev) {
      e.outputs.forEach((o, i) => rename.set(o.id, prev.outputs[i]))
      changed = true
      continue
    }
    seen.set(k, e)
    for (const o of e.outputs) producer.set(o.id, e)
    eqns.push(e)
  }
  const outputs = g.outputs.map(sub)
  // dead-code elimination, backwards from the outputs
  const live = new Set(outputs.filter((a) => a.kind === 'var').map((a) => a.kind === 'var' && a.id))
  const kept: Eqn[] = []
  for (let i = eqns.length - 1; i >= 0; i--) {
    const e = eqns[i]
    if (!e.outputs.some((o) => live.has(o.id))) {
      changed = true
      continue
    }
    for (const a of e.inputs) if (a.kind === 'var') live.add(a.id)
    kept.push(e)
  }
  return { graph: { ...g, eqns: kept.reverse(), outputs }, changed }
}

export function simplify(g: Graph): Graph {
  let graph = g
  for (let round = 0; round < 8; round++) {
    const r = checked('simplification', () => simplifyOnce(graph))
    const x = checked('expProducts', () => expProducts(r.graph))
    const q = checked('reciprocals', () => reciprocals(x.graph))
    const t = checked('roots', () => roots(q.graph))
    const m = checked('scaledExtrema', () => scaledExtrema(t.graph))
    const c = checked('scaledMatmuls', () => scaledMatmuls(m.graph))
    graph = c.graph
    if (!r.changed && !x.changed && !q.changed && !t.changed && !m.changed && !c.changed) break
  }
  return graph
}
