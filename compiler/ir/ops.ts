/**
 * The scalar operations shared by elementwise primitives and by scalar lambdas:
 * one table, so `exp` means the same thing in `x.exp()` and in `map(x, v => Math.exp(v))`.
 */
import type { DType } from './types.js'

export interface UnaryOp {
  f: (x: number) => number
  /** Result dtype given the input dtype. */
  dtype: (d: DType) => DType
}
export interface BinaryOp {
  f: (a: number, b: number) => number
  dtype: (a: DType, b: DType) => DType
  /** Infix form for printing lambdas, when there is one. */
  infix?: string
}

const same = (d: DType): DType => (d === 'bool' ? 'i32' : d)
const float = (): DType => 'f32'
const promote = (a: DType, b: DType): DType => (a === 'f32' || b === 'f32' ? 'f32' : 'i32')
const boolean = (): DType => 'bool'

export const UNARY: Record<string, UnaryOp> = {
  neg: { f: (x) => -x, dtype: same },
  abs: { f: Math.abs, dtype: same },
  sign: { f: Math.sign, dtype: same },
  floor: { f: Math.floor, dtype: same },
  ceil: { f: Math.ceil, dtype: same },
  round: { f: Math.round, dtype: same },
  trunc: { f: Math.trunc, dtype: same },
  exp: { f: Math.exp, dtype: float },
  expm1: { f: Math.expm1, dtype: float },
  exp2: { f: (x) => 2 ** x, dtype: float },
  log: { f: Math.log, dtype: float },
  log1p: { f: Math.log1p, dtype: float },
  log2: { f: Math.log2, dtype: float },
  log10: { f: Math.log10, dtype: float },
  sqrt: { f: Math.sqrt, dtype: float },
  cbrt: { f: Math.cbrt, dtype: float },
  sin: { f: Math.sin, dtype: float },
  cos: { f: Math.cos, dtype: float },
  tan: { f: Math.tan, dtype: float },
  asin: { f: Math.asin, dtype: float },
  acos: { f: Math.acos, dtype: float },
  atan: { f: Math.atan, dtype: float },
  sinh: { f: Math.sinh, dtype: float },
  cosh: { f: Math.cosh, dtype: float },
  tanh: { f: Math.tanh, dtype: float },
  asinh: { f: Math.asinh, dtype: float },
  acosh: { f: Math.acosh, dtype: float },
  atanh: { f: Math.atanh, dtype: float },
  not: { f: (x) => (x ? 0 : 1), dtype: boolean },
}

export const BINARY: Record<string, BinaryOp> = {
  add: { f: (a, b) => a + b, dtype: promote, infix: '+' },
  sub: { f: (a, b) => a - b, dtype: promote, infix: '-' },
  mul: { f: (a, b) => a * b, dtype: promote, infix: '*' },
  div: { f: (a, b) => a / b, dtype: float, infix: '/' },
  mod: { f: (a, b) => a % b, dtype: promote, infix: '%' },
  pow: { f: (a, b) => a ** b, dtype: float, infix: '**' },
  max: { f: Math.max, dtype: promote },
  min: { f: Math.min, dtype: promote },
  atan2: { f: Math.atan2, dtype: float },
  lt: { f: (a, b) => +(a < b), dtype: boolean, infix: '<' },
  le: { f: (a, b) => +(a <= b), dtype: boolean, infix: '<=' },
  gt: { f: (a, b) => +(a > b), dtype: boolean, infix: '>' },
  ge: { f: (a, b) => +(a >= b), dtype: boolean, infix: '>=' },
  eq: { f: (a, b) => +(a === b), dtype: boolean, infix: '==' },
  ne: { f: (a, b) => +(a !== b), dtype: boolean, infix: '!=' },
  and: { f: (a, b) => +(!!a && !!b), dtype: boolean, infix: '&&' },
  or: { f: (a, b) => +(!!a || !!b), dtype: boolean, infix: '||' },
}

/** i32 results wrap like 32-bit integers on every backend. */
export const wrapI32 = (x: number): number => x | 0
