/**
 * Symbolic differentiation of scalar-lambda bodies: d(body)/d(in i) as another scalar
 * expression, so the derivative of `map(x, v => Math.exp(-v / t))` is again one `map`.
 * `undefined` stands for an identically zero derivative.
 */
import { sBinary, sConst, sSelect, sUnary, type ScalarExpr } from './scalar.js'

type D = ScalarExpr | undefined
const c = (v: number) => sConst(v, 'f32')
const isConst = (e: ScalarExpr, v: number) => e.k === 'const' && e.v === v

export const add = (a: D, b: D): D =>
  !a ? b : !b ? a : a.k === 'const' && b.k === 'const' ? c(a.v + b.v) : sBinary('add', a, b)
export const neg = (a: D): D =>
  !a ? undefined : a.k === 'const' ? c(-a.v) : a.k === 'un' && a.op === 'neg' ? a.a : sUnary('neg', a)
export const sub = (a: D, b: D): D => add(a, neg(b))
export function mul(a: D, b: D): D {
  if (!a || !b) return undefined
  if (isConst(a, 1)) return b
  if (isConst(b, 1)) return a
  if (isConst(a, -1)) return neg(b)
  if (isConst(b, -1)) return neg(a)
  if (a.k === 'const' && b.k === 'const') return c(a.v * b.v)
  return sBinary('mul', a, b)
}
const div = (a: D, b: ScalarExpr): D => (!a ? undefined : isConst(b, 1) ? a : sBinary('div', a, b))
const sq = (a: ScalarExpr) => sBinary('mul', a, a)
const un = sUnary
const recip = (a: ScalarExpr) => sBinary('div', c(1), a)

/** f'(x) for each unary op, given x and y = f(x). */
const UNARY_DERIV: Record<string, ((x: ScalarExpr, y: ScalarExpr) => ScalarExpr) | null> = {
  neg: () => c(-1),
  abs: (x) => un('sign', x),
  sign: null,
  floor: null,
  ceil: null,
  round: null,
  trunc: null,
  not: null,
  exp: (_x, y) => y,
  expm1: (x) => un('exp', x),
  exp2: (_x, y) => sBinary('mul', y, c(Math.LN2)),
  log: (x) => recip(x),
  log1p: (x) => recip(sBinary('add', c(1), x)),
  log2: (x) => recip(sBinary('mul', x, c(Math.LN2))),
  log10: (x) => recip(sBinary('mul', x, c(Math.LN10))),
  sqrt: (_x, y) => sBinary('div', c(0.5), y),
  cbrt: (_x, y) => recip(sBinary('mul', c(3), sq(y))),
  sin: (x) => un('cos', x),
  cos: (x) => un('neg', un('sin', x)),
  tan: (_x, y) => sBinary('add', c(1), sq(y)),
  asin: (x) => recip(un('sqrt', sBinary('sub', c(1), sq(x)))),
  acos: (x) => un('neg', recip(un('sqrt', sBinary('sub', c(1), sq(x))))),
  atan: (x) => recip(sBinary('add', c(1), sq(x))),
  sinh: (x) => un('cosh', x),
  cosh: (x) => un('sinh', x),
  tanh: (_x, y) => sBinary('sub', c(1), sq(y)),
  asinh: (x) => recip(un('sqrt', sBinary('add', sq(x), c(1)))),
  acosh: (x) => recip(un('sqrt', sBinary('sub', sq(x), c(1)))),
  atanh: (x) => recip(sBinary('sub', c(1), sq(x))),
}

export function diff(e: ScalarExpr, i: number): D {
  switch (e.k) {
    case 'in':
      return e.i === i ? c(1) : undefined
    case 'idx':
    case 'const':
      return undefined
    case 'cast':
      return e.dtype === 'f32' && e.a.dtype === 'f32' ? diff(e.a, i) : undefined
    case 'sel': {
      const da = diff(e.a, i)
      const db = diff(e.b, i)
      return !da && !db ? undefined : sSelect(e.c, da ?? c(0), db ?? c(0))
    }
    case 'un': {
      const rule = UNARY_DERIV[e.op]
      if (rule === undefined) throw new Error(`no derivative rule for ${e.op}`)
      return rule ? mul(diff(e.a, i), rule(e.a, e)) : undefined
    }
    case 'bin':
      return diffBinary(e as ScalarExpr & { k: 'bin' }, i)
  }
}

function diffBinary(e: Extract<ScalarExpr, { k: 'bin' }>, i: number): D {
  const { a, b } = e
  const da = diff(a, i)
  const db = diff(b, i)
  if (!da && !db) return undefined
  switch (e.op) {
    case 'add':
      return add(da, db)
    case 'sub':
      return sub(da, db)
    case 'mul':
      return add(mul(da, b), mul(a, db))
    case 'div':
      return sub(div(da, b), div(mul(a, db), sq(b)))
    case 'pow':
      // d(a^b) = b·a^(b−1)·da + log(a)·a^b·db; the log term only when b varies
      return add(
        mul(da, sBinary('mul', b, sBinary('pow', a, sBinary('sub', b, c(1))))),
        mul(db, sBinary('mul', un('log', a), e)),
      )
    case 'max':
      return sSelect(sBinary('ge', a, b), da ?? c(0), db ?? c(0))
    case 'min':
      return sSelect(sBinary('le', a, b), da ?? c(0), db ?? c(0))
    case 'mod':
      return sub(da, mul(db, un('trunc', sBinary('div', a, b))))
    case 'atan2':
      return div(sub(mul(da, b), mul(a, db)), sBinary('add', sq(a), sq(b)))
    default:
      return undefined // comparisons and logic are piecewise constant
  }
}
