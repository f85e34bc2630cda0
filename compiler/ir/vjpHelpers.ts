/** Building blocks of the VJP rules: elementwise derivatives via scalar bodies, summing to a shape. */
import type { Atom, Eqn } from './types.js'
import { avalOf } from './types.js'
import type { VjpCtx } from './primitive.js'
import { sBinary, type ScalarExpr } from './scalar.js'
import { diff } from './scalarDiff.js'
import { BINARY, UNARY } from './ops.js'
import { sameShape } from './shape.js'

const shapeOf = (a: Atom) => avalOf(a).shape

/** Sum a cotangent of shape `from` down to `to` (undoing a broadcast; rank-0 targets get a full sum). */
export function sumToShape(ctx: VjpCtx, ct: Atom, to: number[]): Atom {
  const from = shapeOf(ct)
  if (sameShape(from, to)) return ct
  if (to.length === 0) return ctx.emit('reduce_sum', [ct], { axes: from.map((_, i) => i) })
  const off = from.length - to.length
  const axes = from.map((_, i) => i).filter((i) => i < off || (to[i - off] === 1 && from[i] !== 1))
  const summed = ctx.emit('reduce_sum', [ct], { axes })
  return sameShape(shapeOf(summed), to) ? summed : ctx.emit('reshape', [summed], { shape: to })
}

const renumber = (e: ScalarExpr, to: (i: number) => number): ScalarExpr => {
  switch (e.k) {
    case 'in':
      return { ...e, i: to(e.i) }
    case 'idx':
    case 'const':
      return e
    case 'un':
    case 'cast':
      return { ...e, a: renumber(e.a, to) }
    case 'bin':
      return { ...e, a: renumber(e.a, to), b: renumber(e.b, to) }
    case 'sel':
      return { ...e, c: renumber(e.c, to), a: renumber(e.a, to), b: renumber(e.b, to) }
  }
}

/** Replace subtrees equal to `target` by `leaf` (so a derivative reuses the forward output). */
function replaceSubtree(e: ScalarExpr, target: string, leaf: ScalarExpr): ScalarExpr {
  if (JSON.stringify(e) === target) return leaf
  switch (e.k) {
    case 'in':
    case 'idx':
    case 'const':
      return e
    case 'un':
    case 'cast':
      return { ...e, a: replaceSubtree(e.a, target, leaf) }
    case 'bin':
      return { ...e, a: replaceSubtree(e.a, target, leaf), b: replaceSubtree(e.b, target, leaf) }
    case 'sel':
      return {
        ...e,
        c: replaceSubtree(e.c, target, leaf),
        a: replaceSubtree(e.a, target, leaf),
        b: replaceSubtree(e.b, target, leaf),
      }
  }
}

/** Substitute literal operands into a scalar expression and fold what became constant. */
function foldLiterals(e: ScalarExpr, inputs: Atom[]): ScalarExpr {
  const go = (e: ScalarExpr): ScalarExpr => {
    switch (e.k) {
      case 'in': {
        const a = inputs[e.i]
        return a && a.kind === 'lit' ? { k: 'const', v: a.value, dtype: e.dtype } : e
      }
      case 'idx':
      case 'const':
        return e
      case 'cast':
        return { ...e, a: go(e.a) }
      case 'un': {
        const a = go(e.a)
        return a.k === 'const' ? { k: 'const', v: UNARY[e.op].f(a.v), dtype: e.dtype } : { ...e, a }
      }
      case 'bin': {
        const a = go(e.a)
        const b = go(e.b)
        return a.k === 'const' && b.k === 'const'
          ? { k: 'const', v: BINARY[e.op].f(a.v, b.v), dtype: e.dtype }
          : { ...e, a, b }
      }
      case 'sel':
        return { ...e, c: go(e.c), a: go(e.a), b: go(e.b) }
    }
  }
  return go(e)
}

/**
 * VJP of an elementwise equation whose scalar body reads its inputs as `in i`: each input's
 * cotangent is ct · ∂body/∂in_i, emitted as a plain mul/neg when the derivative is that simple
 * and as one `map` otherwise; rank-0 operands (scalars applied everywhere) get the sum.
 */
export function elementwiseVjp(
  ctx: VjpCtx,
  eqn: Eqn,
  ct: Atom | undefined,
  body: ScalarExpr,
  shape: number[],
): (Atom | undefined)[] {
  return eqn.inputs.map((input, i) => {
    if (!ct || input.kind !== 'var' || input.dtype !== 'f32') return undefined
    const raw = diff(body, i)
    if (!raw) return undefined
    // the forward output becomes one more operand, so exp' = exp reuses the value already computed
    const out = eqn.outputs[0]
    const operands: Atom[] = [...eqn.inputs, out]
    const d = foldLiterals(
      replaceSubtree(raw, JSON.stringify(body), { k: 'in', i: eqn.inputs.length, dtype: out.dtype }),
      operands,
    )
    let contrib: Atom
    if (d.k === 'const' && d.v === 1) contrib = ct
    else if (d.k === 'const' && d.v === -1) contrib = ctx.emit('neg', [ct])
    else if (d.k === 'const') contrib = ctx.emit('mul', [ct, { kind: 'lit', value: d.v, dtype: 'f32' }])
    else if (d.k === 'in') contrib = ctx.emit('mul', [ct, operands[d.i]])
    else {
      const used = new Set<number>()
      renumber(d, (j) => (used.add(j), j))
      const keep = operands.map((_, j) => j).filter((j) => used.has(j))
      const remap = (e: ScalarExpr): ScalarExpr => renumber(e, (j) => keep.indexOf(j) + 1)
      contrib = ctx.emit('map', [ct, ...keep.map((j) => operands[j])], {
        shape,
        body: sBinary('mul', { k: 'in', i: 0, dtype: 'f32' }, remap(d)),
      })
    }
    return sumToShape(ctx, contrib, shapeOf(input))
  })
}

/** Swap the last two axes. */
export function transposeLast2(ctx: VjpCtx, a: Atom): Atom {
  const r = shapeOf(a).length
  const perm = [...Array(r).keys()].map((i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i))
  return ctx.emit('transpose', [a], { perm })
}

/** Put reduced axes back as size-1 axes, then broadcast to `shape`. */
export function expandReduced(ctx: VjpCtx, a: Atom, axes: number[], shape: number[]): Atom {
  const keep = shape.map((d, i) => (axes.includes(i) ? 1 : d))
  const r = sameShape(shapeOf(a), keep) ? a : ctx.emit('reshape', [a], { shape: keep })
  return sameShape(keep, shape) ? r : ctx.emit('broadcast', [r], { shape })
}
