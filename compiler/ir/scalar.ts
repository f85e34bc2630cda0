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

/**
 * Compile a scalar expression to a JS function over (inputs, indices).
 * With `round`, every intermediate is rounded to float32 (the float32 reference).
 */
export function compileScalar(
  e: ScalarExpr,
  round: boolean,
): (ins: ArrayLike<number>, idx: ArrayLike<number>) => number {
  const lines: string[] = []
  const consts: Array<(x: number) => number> = []
  const fns: Array<(a: number, b: number) => number> = []
  let n = 0
  const fr = (s: string, d: DType) => (d === 'f32' && round ? `F(${s})` : d === 'i32' ? `(${s})|0` : s)
  const go = (e: ScalarExpr): string => {
    let s: string
    switch (e.k) {
      case 'in':
        return `I[${e.i}]`
      case 'idx':
        return `X[${e.axis}]`
      case 'const':
        return fr(String(e.v), e.dtype)
      case 'un':
        consts.push(UNARY[e.op].f)
        s = `U${consts.length - 1}(${go(e.a)})`
        break
      case 'bin':
        fns.push(BINARY[e.op].f)
        s = `B${fns.length - 1}(${go(e.a)}, ${go(e.b)})`
        break
      case 'sel':
        s = `(${go(e.c)} ? ${go(e.a)} : ${go(e.b)})`
        break
      case 'cast':
        s = e.dtype === 'bool' ? `+!!(${go(e.a)})` : e.dtype === 'i32' ? `Math.trunc(${go(e.a)})` : go(e.a)
        break
    }
    const v = `t${n++}`
    lines.push(`const ${v} = ${fr(s, e.dtype)};`)
    return v
  }
  const result = go(e)
  const params = ['F', ...consts.map((_, i) => `U${i}`), ...fns.map((_, i) => `B${i}`)]
  const body = `return (I, X) => { ${lines.join(' ')} return ${result}; }`
  return new Function(...params, body)(Math.fround, ...consts, ...fns)
}
