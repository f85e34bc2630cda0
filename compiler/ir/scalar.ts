/**
 * Scalar expressions: the bodies of the lambdas given to map / zipWith / generate / reduce.
 * Leaves are the lambda's arguments (`in`), output indices (`idx`) and constants.
 */
import type { DType } from './types.js'
import { BINARY, UNARY } from './ops.js'

export type ScalarExpr =
  | { k: 'in'; i: number; dtype: DType }
  | { k: 'idx'; axis: number; dtype: 'i32' }
  | { k: 'const'; v: number; dtype: DType }
  | { k: 'un'; op: string; a: ScalarExpr; dtype: DType }
  | { k: 'bin'; op: string; a: ScalarExpr; b: ScalarExpr; dtype: DType }
  | { k: 'sel'; c: ScalarExpr; a: ScalarExpr; b: ScalarExpr; dtype: DType }
  | { k: 'cast'; a: ScalarExpr; dtype: DType }

export const sConst = (v: number, dtype: DType = Number.isInteger(v) ? 'i32' : 'f32'): ScalarExpr => ({
  k: 'const',
  v,
  dtype,
})

export function sUnary(op: string, a: ScalarExpr): ScalarExpr {
  const u = UNARY[op]
  if (!u) throw new Error(`unknown unary op ${op}`)
  return { k: 'un', op, a, dtype: u.dtype(a.dtype) }
}

export function sBinary(op: string, a: ScalarExpr, b: ScalarExpr): ScalarExpr {
  const o = BINARY[op]
  if (!o) throw new Error(`unknown binary op ${op}`)
  return { k: 'bin', op, a, b, dtype: o.dtype(a.dtype, b.dtype) }
}

export function sSelect(c: ScalarExpr, a: ScalarExpr, b: ScalarExpr): ScalarExpr {
  const dtype: DType = a.dtype === b.dtype ? a.dtype : a.dtype === 'f32' || b.dtype === 'f32' ? 'f32' : 'i32'
  return { k: 'sel', c, a, b, dtype }
}

/** Printed as a JS arrow function, e.g. `(a, b) => exp(-a / b)`. */
export function printScalar(e: ScalarExpr, argNames: readonly string[]): string {
  const go = (e: ScalarExpr): string => {
    switch (e.k) {
      case 'in':
        return argNames[e.i] ?? `in${e.i}`
      case 'idx':
        return `i${e.axis}`
      case 'const':
        return formatNumber(e.v)
      case 'un':
        return e.op === 'neg' ? `-${go(e.a)}` : e.op === 'not' ? `!${go(e.a)}` : `${e.op}(${go(e.a)})`
      case 'bin': {
        const inf = BINARY[e.op].infix
        return inf ? `(${go(e.a)} ${inf} ${go(e.b)})` : `${e.op}(${go(e.a)}, ${go(e.b)})`
      }
      case 'sel':
        return `(${go(e.c)} ? ${go(e.a)} : ${go(e.b)})`
      case 'cast':
        return `${e.dtype}(${go(e.a)})`
    }
  }
  const s = go(e)
  return s.startsWith('(') && s.endsWith(')') && balanced(s.slice(1, -1)) ? s.slice(1, -1) : s
}

const balanced = (s: string): boolean => {
  let depth = 0
  for (const ch of s) {
    if (ch === '(') depth++
    else if (ch === ')' && --depth < 0) return false
  }
  return depth === 0
}

export const formatNumber = (v: number): string => (Object.is(v, -0) ? '-0' : String(v))

/** A scalar lambda as a function of (inputs, output indices). */
export type ScalarFunction = (ins: ArrayLike<number>, idx: ArrayLike<number>) => number

/**
 * A scalar expression as a tree of closures over the operation tables: no source text is built or
 * evaluated, so a body read from disk can name only the table's operations (an unknown one is an
 * error here). With `round`, every f32 intermediate is rounded to float32 (the float32 reference);
 * i32 intermediates wrap to 32 bits.
 */
export function scalarFunction(e: ScalarExpr, round: boolean): ScalarFunction {
  const stored = (dtype: DType, f: ScalarFunction): ScalarFunction =>
    dtype === 'i32' ? (I, X) => f(I, X) | 0 : dtype === 'f32' && round ? (I, X) => Math.fround(f(I, X)) : f
  const go = (e: ScalarExpr): ScalarFunction => {
    switch (e.k) {
      case 'in': {
        const i = e.i
        return (I) => I[i]
      }
      case 'idx': {
        const axis = e.axis
        return (_I, X) => X[axis]
      }
      case 'const': {
        const v = stored(e.dtype, () => e.v)([], [])
        return () => v
      }
      case 'un': {
        const f = tableEntry(UNARY, e.op, 'unary').f
        const a = go(e.a)
        return stored(e.dtype, (I, X) => f(a(I, X)))
      }
      case 'bin': {
        const f = tableEntry(BINARY, e.op, 'binary').f
        const [a, b] = [go(e.a), go(e.b)]
        return stored(e.dtype, (I, X) => f(a(I, X), b(I, X)))
      }
      case 'sel': {
        const [c, a, b] = [go(e.c), go(e.a), go(e.b)]
        return stored(e.dtype, (I, X) => (c(I, X) ? a(I, X) : b(I, X)))
      }
      case 'cast': {
        const a = go(e.a)
        if (e.dtype === 'bool') return (I, X) => +!!a(I, X)
        return stored(e.dtype, e.dtype === 'i32' ? (I, X) => Math.trunc(a(I, X)) : a)
      }
      default:
        throw new Error(`internal: a scalar expression of kind ${JSON.stringify((e as { k: unknown }).k)}`)
    }
  }
  return go(e)
}

function tableEntry<T>(table: Readonly<Record<string, T>>, op: string, what: string): T {
  const entry = Object.hasOwn(table, op) ? table[op] : undefined
  if (!entry) throw new Error(`internal: ${JSON.stringify(op)} is not a ${what} operation`)
  return entry
}

/**
 * Why `body` cannot be the lambda of an equation, or undefined: it may read operand i (as `in i`,
 * of that operand's dtype where `operands` gives one) for i < operands.length, and output index
 * `idx axis` for axis < rank.
 */
export function bodyProblem(
  body: ScalarExpr,
  operands: readonly (DType | undefined)[],
  rank: number,
): string | undefined {
  const pending: ScalarExpr[] = [body]
  for (let e = pending.pop(); e; e = pending.pop()) {
    if (e.k === 'in') {
      if (e.i >= operands.length) return `its lambda reads operand ${e.i}, it has ${operands.length}`
      const want = operands[e.i]
      if (want && e.dtype !== want) return `its lambda reads operand ${e.i} as ${e.dtype}, the operand is ${want}`
    } else if (e.k === 'idx' && e.axis >= rank) return `its lambda reads index ${e.axis} of a rank-${rank} output`
    if ('a' in e) pending.push(e.a)
    if ('b' in e) pending.push(e.b)
    if ('c' in e) pending.push(e.c)
  }
  return undefined
}
