/**
 * DSL operations as free functions. The compiler reads calls to these inside dsl(...)
 * functions; in host code they throw (except randomKey, which makes a host key too).
 */
import type { Broadcast, DType, Drop1, Shape, ShapeOf } from './types.js'
import { Tensor, outsideDsl, type Key, type Mat } from './tensor.js'
import { differentiate, isDslFunction, type DslFunction } from './function.js'

type T<S extends Shape = Shape, D extends DType = DType> = Tensor<S, D>
type Num = T | number
type Axes = number | readonly number[]
/**
 * A binary elementwise operation whose result has dtype R (or the first tensor operand's, for
 * 'same'): the tensor operand's shape with a number, the broadcast shape of two tensors.
 */
type Result<R, D extends DType> = R extends DType ? R : D
interface BinaryOp<R extends DType | 'same'> {
  <S extends Shape, D extends DType>(a: T<S, D>, b: number): T<S, Result<R, D>>
  <S extends Shape, D extends DType>(a: number, b: T<S, D>): T<S, Result<R, D>>
  <S extends Shape, D extends DType>(a: T<S, D>, b: T<S, DType>): T<S, Result<R, D>>
  <A extends Shape, B extends Shape, D extends DType>(a: T<A, D>, b: T<B, DType>): T<Broadcast<A, B>, Result<R, D>>
  <S extends Shape, D extends DType>(a: T<S, D> | number, b: Num): T<S, Result<R, D>>
}
type Bin = BinaryOp<'same'>
type Un = <S extends Shape, D extends DType>(a: T<S, D>) => T<S, D>
type FloatUn = <S extends Shape>(a: T<S, DType>) => T<S, 'f32'>
type Cmp = BinaryOp<'bool'>

const op = <R extends DType | 'same'>(name: string) => (() => outsideDsl(name)) as BinaryOp<R>
const bin = (name: string): Bin => op<'same'>(name)
const un =
  (name: string): Un =>
  () =>
    outsideDsl(name)
const fun =
  (name: string): FloatUn =>
  () =>
    outsideDsl(name)
const cmp = (name: string): Cmp => op<'bool'>(name)

export const add = bin('add')
export const sub = bin('sub')
export const mul = bin('mul')
export const div = op<'f32'>('div')
export const pow = op<'f32'>('pow')
export const mod = bin('mod')
export const maximum = bin('maximum')
export const minimum = bin('minimum')
export const atan2 = op<'f32'>('atan2')
export const less = cmp('less')
export const lessEqual = cmp('lessEqual')
export const greater = cmp('greater')
export const greaterEqual = cmp('greaterEqual')
export const equal = cmp('equal')
export const notEqual = cmp('notEqual')
export const logicalAnd = cmp('logicalAnd')
export const logicalOr = cmp('logicalOr')
export const logicalNot = <S extends Shape>(_a: T<S, DType>): T<S, 'bool'> => outsideDsl('logicalNot')
export const neg = un('neg')
export const abs = un('abs')
export const sign = un('sign')
export const square = un('square')
export const floor = un('floor')
export const ceil = un('ceil')
export const exp = fun('exp')
export const log = fun('log')
export const sqrt = fun('sqrt')
export const sin = fun('sin')
export const cos = fun('cos')
export const tanh = fun('tanh')
export const log1p = fun('log1p')
export const expm1 = fun('expm1')
export const where = <S extends Shape, D extends DType>(
  _c: T<S, DType>,
  _a: T<S, D> | number,
  _b: T<Shape, D> | number,
): T<S, D> => outsideDsl('where')
export const astype = <S extends Shape, D extends DType>(_x: T<S, DType>, _dtype: D): T<S, D> => outsideDsl('astype')
export const stopGradient = <V>(_x: V): V => outsideDsl('stopGradient')
/** treeMap(f, tree, ...others): f on every tensor leaf of `tree` and the leaves at the same place in `others` (same structure). */
export const treeMap = <V>(_f: (leaf: T, ...others: T[]) => T, _tree: V, ..._others: unknown[]): V =>
  outsideDsl('treeMap')
/** The tensor leaves of a pytree, in order. */
export const treeLeaves = (_tree: unknown): T[] => outsideDsl('treeLeaves')
/** A fusion hint: store x in a buffer (`materialize`) or recompute it wherever it is read (`inline`). Identity otherwise. */
export const hint = <S extends Shape, D extends DType>(_x: T<S, D>, _mode: 'materialize' | 'inline'): T<S, D> =>
  outsideDsl('hint')

export function sum<S extends Shape, D extends DType>(x: T<S, D>): T<[], D>
export function sum<S extends Shape, D extends DType, K extends boolean = false>(
  x: T<S, D>,
  axis: number,
  keepdims?: K,
): K extends true ? T<S, D> : T<Drop1<S>, D>
export function sum<D extends DType>(x: T<Shape, D>, axes: readonly number[], keepdims?: boolean): T<Shape, D>
export function sum(_x: T, _a?: Axes, _k?: boolean): unknown {
  return outsideDsl('sum')
}
export function mean<S extends Shape>(x: T<S, DType>): T<[], 'f32'>
export function mean<S extends Shape, K extends boolean = false>(
  x: T<S, DType>,
  axis: number,
  keepdims?: K,
): K extends true ? T<S, 'f32'> : T<Drop1<S>, 'f32'>
export function mean(x: T, axes: readonly number[], keepdims?: boolean): T<Shape, 'f32'>
export function mean(_x: T, _a?: Axes, _k?: boolean): unknown {
  return outsideDsl('mean')
}
export function max<S extends Shape, D extends DType>(x: T<S, D>): T<[], D>
export function max<S extends Shape, D extends DType, K extends boolean = false>(
  x: T<S, D>,
  axis: number,
  keepdims?: K,
): K extends true ? T<S, D> : T<Drop1<S>, D>
export function max<D extends DType>(x: T<Shape, D>, axes: readonly number[], keepdims?: boolean): T<Shape, D>
export function max(_x: T, _a?: Axes, _k?: boolean): unknown {
  return outsideDsl('max')
}
export function min<S extends Shape, D extends DType>(x: T<S, D>): T<[], D>
export function min<S extends Shape, D extends DType, K extends boolean = false>(
  x: T<S, D>,
  axis: number,
  keepdims?: K,
): K extends true ? T<S, D> : T<Drop1<S>, D>
export function min<D extends DType>(x: T<Shape, D>, axes: readonly number[], keepdims?: boolean): T<Shape, D>
export function min(_x: T, _a?: Axes, _k?: boolean): unknown {
  return outsideDsl('min')
}
export function logsumexp<S extends Shape>(x: T<S, DType>): T<[], 'f32'>
export function logsumexp<S extends Shape, K extends boolean = false>(
  x: T<S, DType>,
  axis: number,
  keepdims?: K,
): K extends true ? T<S, 'f32'> : T<Drop1<S>, 'f32'>
export function logsumexp(x: T, axes: readonly number[], keepdims?: boolean): T<Shape, 'f32'>
export function logsumexp(_x: T, _a?: Axes, _k?: boolean): unknown {
  return outsideDsl('logsumexp')
}

export const softmax = <S extends Shape>(_x: T<S, DType>, _axis?: number): T<S, 'f32'> => outsideDsl('softmax')
export const logSoftmax = <S extends Shape>(_x: T<S, DType>, _axis?: number): T<S, 'f32'> => outsideDsl('logSoftmax')
/** Batched matrix product [..., M, K] @ [..., K, N]; batch axes broadcast. */
export const matmul = <S extends Shape>(_a: T<S, DType>, _b: T<Shape, DType>): T<S, 'f32'> => outsideDsl('matmul')
/** Pairwise L2 distances between rows: sqrt(‖xᵢ − yⱼ‖² + eps), eps = 1e-8 by default; or squared. */
export const cdist = <S extends Shape>(
  _x: T<S, DType>,
  _y: T<Shape, DType>,
  _opts?: { squared?: boolean; eps?: number },
): T<S, 'f32'> => outsideDsl('cdist')
/** 2-D convolution, x [N,C,H,W] and w [O,C,KH,KW]. */
export const conv2d = (
  _x: T<[number, number, number, number], DType>,
  _w: T<[number, number, number, number], DType>,
  _opts?: { stride?: number | [number, number]; padding?: number | [number, number] },
): T<[number, number, number, number], 'f32'> => outsideDsl('conv2d')

export const reshape = <R extends readonly number[], D extends DType>(
  _x: T<Shape, D>,
  _shape: readonly [...R],
): T<ShapeOf<R>, D> => outsideDsl('reshape')
export const transpose = <S extends Shape, D extends DType>(_x: T<S, D>, _perm?: readonly number[]): T<S, D> =>
  outsideDsl('transpose')
export const expandDims = <S extends Shape, D extends DType>(_x: T<S, D>, _axis: number): T<[number, ...S], D> =>
  outsideDsl('expandDims')
export const squeeze = <D extends DType>(_x: T<Shape, D>, _axis?: number): T<Shape, D> => outsideDsl('squeeze')
export const broadcastTo = <R extends readonly number[], D extends DType>(
  _x: T<Shape, D>,
  _shape: readonly [...R],
): T<ShapeOf<R>, D> => outsideDsl('broadcastTo')
/** Elements [start, end) along one axis; negative bounds count from the end. */
export const slice = <S extends Shape, D extends DType>(
  _x: T<S, D>,
  _axis: number,
  _start: number,
  _end?: number,
): T<S, D> => outsideDsl('slice')
export const concat = <S extends Shape, D extends DType>(_xs: readonly T<S, D>[], _axis?: number): T<S, D> =>
  outsideDsl('concat')
export const stack = <S extends Shape, D extends DType>(
  _xs: readonly T<S, D>[],
  _axis?: number,
): T<[number, ...S], D> => outsideDsl('stack')
/** numpy.split: a number of equal parts, or a list of split points. */
export const split = <S extends Shape, D extends DType>(
  _x: T<S, D>,
  _parts: number | readonly number[],
  _axis?: number,
): T<S, D>[] => outsideDsl('split')
/** Rows of a table: out[i, …] = table[idx[i], …]. */
export const gather = <D extends DType>(_table: T<Shape, D>, _idx: T<Shape, 'i32'>): T<Shape, D> => outsideDsl('gather')
export const iota = <R extends readonly number[], D extends DType = 'i32'>(
  _shape: readonly [...R] | number,
  _axis?: number,
  _dtype?: D,
): T<ShapeOf<R>, D> => outsideDsl('iota')
export const eye = <D extends DType = 'f32'>(_n: number, _m?: number, _dtype?: D): Mat<D> => outsideDsl('eye')
export const zeros = <R extends readonly number[], D extends DType = 'f32'>(
  _shape: readonly [...R],
  _dtype?: D,
): T<ShapeOf<R>, D> => outsideDsl('zeros')
export const ones = <R extends readonly number[], D extends DType = 'f32'>(
  _shape: readonly [...R],
  _dtype?: D,
): T<ShapeOf<R>, D> => outsideDsl('ones')
export const full = <R extends readonly number[], D extends DType = 'f32'>(
  _shape: readonly [...R],
  _value: number,
  _dtype?: D,
): T<ShapeOf<R>, D> => outsideDsl('full')
export const zerosLike = <S extends Shape, D extends DType>(_x: T<S, D>): T<S, D> => outsideDsl('zerosLike')
export const onesLike = <S extends Shape, D extends DType>(_x: T<S, D>): T<S, D> => outsideDsl('onesLike')
/** Number of rows (size of axis 0). */
export const rows = (_x: T): number => outsideDsl('rows')
/** Number of columns (size of the last axis). */
export const cols = (_x: T): number => outsideDsl('cols')

/** map(x, v => …): a scalar lambda applied to every element. */
export const map = <S extends Shape>(_x: T<S, DType>, _f: (v: number) => number | boolean): T<S, 'f32'> =>
  outsideDsl('map')
/** zipWith(a, b, …, (x, y, …) => …): operands broadcast to one shape. */
export function zipWith<S extends Shape>(
  a: T<S, DType>,
  b: Num,
  f: (x: number, y: number) => number | boolean,
): T<S, 'f32'>
export function zipWith<S extends Shape>(
  a: T<S, DType>,
  b: Num,
  c: Num,
  f: (x: number, y: number, z: number) => number | boolean,
): T<S, 'f32'>
export function zipWith(..._args: unknown[]): unknown {
  return outsideDsl('zipWith')
}
/** generate(shape, (i, j, …) => …): a tensor from its integer indices. */
export const generate = <R extends readonly number[]>(
  _shape: readonly [...R],
  _f: (...idx: number[]) => number | boolean,
): T<ShapeOf<R>, 'f32'> => outsideDsl('generate')
/** reduce(x, axis, (acc, v) => …, init): a left fold along one axis. */
export const reduce = <S extends Shape>(
  _x: T<S, DType>,
  _axis: number,
  _f: (acc: number, v: number) => number,
  _init: number,
): T<Drop1<S>, 'f32'> => outsideDsl('reduce')

/** A random key from a seed. Works in host code too. */
export function randomKey(seed: number): Key {
  return new Tensor(Int32Array.of(seed | 0), [] as [], 'i32')
}
export const foldIn = (_key: Key, _data: number | T<[], DType>): Key => outsideDsl('foldIn')
export const splitKey = (_key: Key, _n?: number): Key[] => outsideDsl('splitKey')
export const randomNormal = <R extends readonly number[]>(_key: Key, _shape: readonly [...R]): T<ShapeOf<R>, 'f32'> =>
  outsideDsl('randomNormal')
export const randomUniform = <R extends readonly number[]>(
  _key: Key,
  _shape: readonly [...R],
  _lo?: number,
  _hi?: number,
): T<ShapeOf<R>, 'f32'> => outsideDsl('randomUniform')
export const randint = <R extends readonly number[]>(
  _key: Key,
  _shape: readonly [...R],
  _lo: number,
  _hi: number,
): T<ShapeOf<R>, 'i32'> => outsideDsl('randint')

type Fn = (...args: never[]) => unknown
/**
 * grad(f, argnums = 0): the gradient of a scalar-valued f with respect to argument(s) argnums
 * (pytrees included). Inside DSL code it differentiates any function; in host code it takes a
 * dsl(...) function and returns one (`await grad(loss).run(params, x)`).
 */
export function grad<F extends Fn>(
  f: DslFunction<F>,
  argnums?: number,
): DslFunction<(...args: Parameters<F>) => Parameters<F>[0]>
export function grad<F extends Fn>(f: F, argnums?: number): (...args: Parameters<F>) => Parameters<F>[0]
export function grad<F extends Fn>(f: F, argnums: readonly number[]): (...args: Parameters<F>) => unknown[]
export function grad(f: Fn, argnums: number | readonly number[] = 0): unknown {
  return isDslFunction(f)
    ? differentiate(f, { kind: 'grad', argnums: argnums as number | number[] })
    : outsideDsl('grad')
}
/** valueAndGrad(f, argnums = 0): [f(...args), grad]. */
export function valueAndGrad<F extends Fn>(
  f: DslFunction<F>,
  argnums?: number,
): DslFunction<(...args: Parameters<F>) => [ReturnType<F>, Parameters<F>[0]]>
export function valueAndGrad<F extends Fn>(
  f: F,
  argnums?: number,
): (...args: Parameters<F>) => [ReturnType<F>, Parameters<F>[0]]
export function valueAndGrad<F extends Fn>(
  f: F,
  argnums: readonly number[],
): (...args: Parameters<F>) => [ReturnType<F>, unknown[]]
export function valueAndGrad(f: Fn, argnums: number | readonly number[] = 0): unknown {
  return isDslFunction(f)
    ? differentiate(f, { kind: 'valueAndGrad', argnums: argnums as number | number[] })
    : outsideDsl('valueAndGrad')
}
/**
 * vjp(f, ...primals): [f(...primals), pullback], pullback(ct) = the cotangents of every primal.
 * In host code f is a dsl(...) function and both come back as promises of host tensors.
 */
export function vjp<F extends Fn>(
  f: DslFunction<F>,
  ...primals: Parameters<F>
): Promise<[ReturnType<F>, (ct: ReturnType<F>) => Promise<Parameters<F>>]>
export function vjp<F extends Fn>(
  f: F,
  ...primals: Parameters<F>
): [ReturnType<F>, (ct: ReturnType<F>) => Parameters<F>]
export function vjp(f: Fn, ...primals: unknown[]): unknown {
  if (!isDslFunction(f)) return outsideDsl('vjp')
  const pulled = differentiate(f, { kind: 'vjp' })
  return f
    .run(...(primals as never[]))
    .then((out) => [
      out,
      async (ct: unknown) => ((await pulled.run(...(primals as never[]), ct as never)) as unknown[])[1],
    ])
}
/** customVjp(f, bwd): f whose gradient is bwd(...args, ctOut) → one cotangent per argument. */
export const customVjp = <F extends Fn>(_f: F, _bwd: (...args: [...Parameters<F>, ReturnType<F>]) => unknown[]): F =>
  outsideDsl('customVjp')
