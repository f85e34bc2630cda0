/**
 * The scalar operations shared by elementwise primitives and by scalar lambdas:
 * one table, so `exp` means the same thing in `x.exp()` and in `map(x, v => Math.exp(v))`.
 */
import type { DType } from './types.js'

/**
 * How an operation weighs in the cost model (fusion/cost.ts): most are one arithmetic operation;
 * `transcendental` ones (exp, log, tanh, …) a polynomial's worth; √ and ÷ are single instructions
 * that some backends weigh as slow (`root` counts as transcendental where no slow weight is given,
 * `divide` as one operation).
 */
export type CostClass = 'op' | 'transcendental' | 'root' | 'divide'

export interface UnaryOp {
  f: (x: number) => number
  /** Result dtype given the input dtype. */
  dtype: (d: DType) => DType
  cost?: CostClass
}
export interface BinaryOp {
  f: (a: number, b: number) => number
  dtype: (a: DType, b: DType) => DType
  /** Infix form for printing lambdas, when there is one. */
  infix?: string
  cost?: CostClass
}

const T = 'transcendental' as const

const same = (d: DType): DType => (d === 'bool' ? 'i32' : d)
const float = (): DType => 'f32'
const promote = (a: DType, b: DType): DType => (a === 'f32' || b === 'f32' ? 'f32' : 'i32')
const boolean = (): DType => 'bool'

const UNARY_TABLE = {
  neg: { f: (x) => -x, dtype: same },
  abs: { f: Math.abs, dtype: same },
  sign: { f: Math.sign, dtype: same },
  floor: { f: Math.floor, dtype: same },
  ceil: { f: Math.ceil, dtype: same },
  round: { f: Math.round, dtype: same },
  trunc: { f: Math.trunc, dtype: same },
  exp: { f: Math.exp, dtype: float, cost: T },
  expm1: { f: Math.expm1, dtype: float, cost: T },
  exp2: { f: (x) => 2 ** x, dtype: float, cost: T },
  log: { f: Math.log, dtype: float, cost: T },
  log1p: { f: Math.log1p, dtype: float, cost: T },
  log2: { f: Math.log2, dtype: float, cost: T },
  log10: { f: Math.log10, dtype: float, cost: T },
  sqrt: { f: Math.sqrt, dtype: float, cost: 'root' },
  cbrt: { f: Math.cbrt, dtype: float },
  sin: { f: Math.sin, dtype: float, cost: T },
  cos: { f: Math.cos, dtype: float, cost: T },
  tan: { f: Math.tan, dtype: float, cost: T },
  asin: { f: Math.asin, dtype: float },
  acos: { f: Math.acos, dtype: float },
  atan: { f: Math.atan, dtype: float },
  sinh: { f: Math.sinh, dtype: float },
  cosh: { f: Math.cosh, dtype: float },
  tanh: { f: Math.tanh, dtype: float, cost: T },
  asinh: { f: Math.asinh, dtype: float },
  acosh: { f: Math.acosh, dtype: float },
  atanh: { f: Math.atanh, dtype: float },
  not: { f: (x) => (x ? 0 : 1), dtype: boolean },
} satisfies Record<string, UnaryOp>

const BINARY_TABLE = {
  add: { f: (a, b) => a + b, dtype: promote, infix: '+' },
  sub: { f: (a, b) => a - b, dtype: promote, infix: '-' },
  mul: { f: (a, b) => a * b, dtype: promote, infix: '*' },
  div: { f: (a, b) => a / b, dtype: float, infix: '/', cost: 'divide' },
  mod: { f: (a, b) => a % b, dtype: promote, infix: '%' },
  pow: { f: (a, b) => a ** b, dtype: float, infix: '**', cost: T },
  max: { f: Math.max, dtype: promote },
  min: { f: Math.min, dtype: promote },
  atan2: { f: Math.atan2, dtype: float, cost: T },
  lt: { f: (a, b) => +(a < b), dtype: boolean, infix: '<' },
  le: { f: (a, b) => +(a <= b), dtype: boolean, infix: '<=' },
  gt: { f: (a, b) => +(a > b), dtype: boolean, infix: '>' },
  ge: { f: (a, b) => +(a >= b), dtype: boolean, infix: '>=' },
  eq: { f: (a, b) => +(a === b), dtype: boolean, infix: '==' },
  ne: { f: (a, b) => +(a !== b), dtype: boolean, infix: '!=' },
  and: { f: (a, b) => +(!!a && !!b), dtype: boolean, infix: '&&' },
  or: { f: (a, b) => +(!!a || !!b), dtype: boolean, infix: '||' },
} satisfies Record<string, BinaryOp>

export type UnaryName = keyof typeof UNARY_TABLE
export type BinaryName = keyof typeof BINARY_TABLE
/** The tables by name, without a prototype: a name such as `constructor` or `toString` is no operation. */
const byName = <T>(table: Record<string, T>): Readonly<Record<string, T>> =>
  Object.freeze(Object.assign(Object.create(null) as Record<string, T>, table))
export const UNARY: Readonly<Record<string, UnaryOp>> = byName<UnaryOp>(UNARY_TABLE)
export const BINARY: Readonly<Record<string, BinaryOp>> = byName<BinaryOp>(BINARY_TABLE)
export const UNARY_NAMES = Object.keys(UNARY_TABLE) as UnaryName[]
export const BINARY_NAMES = Object.keys(BINARY_TABLE) as BinaryName[]
export const isUnary = (op: unknown): op is UnaryName => typeof op === 'string' && Object.hasOwn(UNARY_TABLE, op)
export const isBinary = (op: unknown): op is BinaryName => typeof op === 'string' && Object.hasOwn(BINARY_TABLE, op)
/** The cost class of a scalar operation (unary or binary) by name. */
export const costOf = (op: string): CostClass => (UNARY[op] ?? BINARY[op])?.cost ?? 'op'

/** i32 results wrap like 32-bit integers on every backend. */
export const wrapI32 = (x: number): number => x | 0
