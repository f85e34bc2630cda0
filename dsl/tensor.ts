/**
 * `Tensor<Shape, DType>`: the one array type of the DSL. Inside `dsl(...)` functions its
 * methods are read by the compiler, never run; in host code a Tensor holds data
 * (inputs you pass to a compiled function, results you get back).
 */
import type { Broadcast, DType, Drop1, Shape, ShapeOf } from './types.js'

import { HostTensor, type Data } from '../compiler/runtime/hostTensor.js'

export type { Data }
type Num<D extends DType> = Tensor<Shape, D> | number
type Axes = number | readonly number[]

export function outsideDsl(name: string): never {
  throw new Error(
    `'${name}' is a DSL operation: it only means something inside a dsl(...) function, which the compiler reads. ` +
      'In host code, call the compiled function instead: await f.run(...args).',
  )
}

export class Tensor<S extends Shape = Shape, D extends DType = 'f32'> extends HostTensor {
  declare readonly shape: S
  declare readonly dtype: D

  constructor(data: Data, shape: S, dtype: D) {
    super(data, shape, dtype)
  }

  // ---- DSL methods: read by the compiler inside dsl(...) functions ----
  add(o: number): Tensor<S, D>
  add(o: Tensor<S, DType>): Tensor<S, D>
  add<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, D>
  add(o: Num<DType>): Tensor<S, D>
  add(_o: Num<DType>): unknown {
    return outsideDsl('add')
  }
  sub(o: number): Tensor<S, D>
  sub(o: Tensor<S, DType>): Tensor<S, D>
  sub<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, D>
  sub(o: Num<DType>): Tensor<S, D>
  sub(_o: Num<DType>): unknown {
    return outsideDsl('sub')
  }
  mul(o: number): Tensor<S, D>
  mul(o: Tensor<S, DType>): Tensor<S, D>
  mul<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, D>
  mul(o: Num<DType>): Tensor<S, D>
  mul(_o: Num<DType>): unknown {
    return outsideDsl('mul')
  }
  div(o: number): Tensor<S, 'f32'>
  div(o: Tensor<S, DType>): Tensor<S, 'f32'>
  div<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, 'f32'>
  div(o: Num<DType>): Tensor<S, 'f32'>
  div(_o: Num<DType>): unknown {
    return outsideDsl('div')
  }
  pow(o: number): Tensor<S, 'f32'>
  pow(o: Tensor<S, DType>): Tensor<S, 'f32'>
  pow<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, 'f32'>
  pow(o: Num<DType>): Tensor<S, 'f32'>
  pow(_o: Num<DType>): unknown {
    return outsideDsl('pow')
  }
  mod(o: number): Tensor<S, D>
  mod(o: Tensor<S, DType>): Tensor<S, D>
  mod<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, D>
  mod(o: Num<DType>): Tensor<S, D>
  mod(_o: Num<DType>): unknown {
    return outsideDsl('mod')
  }
  maximum(o: number): Tensor<S, D>
  maximum(o: Tensor<S, DType>): Tensor<S, D>
  maximum<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, D>
  maximum(o: Num<DType>): Tensor<S, D>
  maximum(_o: Num<DType>): unknown {
    return outsideDsl('maximum')
  }
  minimum(o: number): Tensor<S, D>
  minimum(o: Tensor<S, DType>): Tensor<S, D>
  minimum<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, D>
  minimum(o: Num<DType>): Tensor<S, D>
  minimum(_o: Num<DType>): unknown {
    return outsideDsl('minimum')
  }
  atan2(o: number): Tensor<S, 'f32'>
  atan2(o: Tensor<S, DType>): Tensor<S, 'f32'>
  atan2<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, 'f32'>
  atan2(o: Num<DType>): Tensor<S, 'f32'>
  atan2(_o: Num<DType>): unknown {
    return outsideDsl('atan2')
  }
  lt(o: number): Tensor<S, 'bool'>
  lt(o: Tensor<S, DType>): Tensor<S, 'bool'>
  lt<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, 'bool'>
  lt(o: Num<DType>): Tensor<S, 'bool'>
  lt(_o: Num<DType>): unknown {
    return outsideDsl('lt')
  }
  le(o: number): Tensor<S, 'bool'>
  le(o: Tensor<S, DType>): Tensor<S, 'bool'>
  le<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, 'bool'>
  le(o: Num<DType>): Tensor<S, 'bool'>
  le(_o: Num<DType>): unknown {
    return outsideDsl('le')
  }
  gt(o: number): Tensor<S, 'bool'>
  gt(o: Tensor<S, DType>): Tensor<S, 'bool'>
  gt<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, 'bool'>
  gt(o: Num<DType>): Tensor<S, 'bool'>
  gt(_o: Num<DType>): unknown {
    return outsideDsl('gt')
  }
  ge(o: number): Tensor<S, 'bool'>
  ge(o: Tensor<S, DType>): Tensor<S, 'bool'>
  ge<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, 'bool'>
  ge(o: Num<DType>): Tensor<S, 'bool'>
  ge(_o: Num<DType>): unknown {
    return outsideDsl('ge')
  }
  eq(o: number): Tensor<S, 'bool'>
  eq(o: Tensor<S, DType>): Tensor<S, 'bool'>
  eq<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, 'bool'>
  eq(o: Num<DType>): Tensor<S, 'bool'>
  eq(_o: Num<DType>): unknown {
    return outsideDsl('eq')
  }
  ne(o: number): Tensor<S, 'bool'>
  ne(o: Tensor<S, DType>): Tensor<S, 'bool'>
  ne<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, 'bool'>
  ne(o: Num<DType>): Tensor<S, 'bool'>
  ne(_o: Num<DType>): unknown {
    return outsideDsl('ne')
  }
  logicalAnd(o: number): Tensor<S, 'bool'>
  logicalAnd(o: Tensor<S, DType>): Tensor<S, 'bool'>
  logicalAnd<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, 'bool'>
  logicalAnd(o: Num<DType>): Tensor<S, 'bool'>
  logicalAnd(_o: Num<DType>): unknown {
    return outsideDsl('logicalAnd')
  }
  logicalOr(o: number): Tensor<S, 'bool'>
  logicalOr(o: Tensor<S, DType>): Tensor<S, 'bool'>
  logicalOr<B extends Shape>(o: Tensor<B, DType>): Tensor<Broadcast<S, B>, 'bool'>
  logicalOr(o: Num<DType>): Tensor<S, 'bool'>
  logicalOr(_o: Num<DType>): unknown {
    return outsideDsl('logicalOr')
  }
  logicalNot(): Tensor<S, 'bool'> {
    return outsideDsl('logicalNot')
  }
  neg(): Tensor<S, D> {
    return outsideDsl('neg')
  }
  abs(): Tensor<S, D> {
    return outsideDsl('abs')
  }
  sign(): Tensor<S, D> {
    return outsideDsl('sign')
  }
  square(): Tensor<S, D> {
    return outsideDsl('square')
  }
  floor(): Tensor<S, D> {
    return outsideDsl('floor')
  }
  ceil(): Tensor<S, D> {
    return outsideDsl('ceil')
  }
  exp(): Tensor<S, 'f32'> {
    return outsideDsl('exp')
  }
  log(): Tensor<S, 'f32'> {
    return outsideDsl('log')
  }
  sqrt(): Tensor<S, 'f32'> {
    return outsideDsl('sqrt')
  }
  sin(): Tensor<S, 'f32'> {
    return outsideDsl('sin')
  }
  cos(): Tensor<S, 'f32'> {
    return outsideDsl('cos')
  }
  tanh(): Tensor<S, 'f32'> {
    return outsideDsl('tanh')
  }
  log1p(): Tensor<S, 'f32'> {
    return outsideDsl('log1p')
  }
  expm1(): Tensor<S, 'f32'> {
    return outsideDsl('expm1')
  }
  astype<D2 extends DType>(_dtype: D2): Tensor<S, D2> {
    return outsideDsl('astype')
  }
  stopGradient(): Tensor<S, D> {
    return outsideDsl('stopGradient')
  }

  sum(): Tensor<[], D>
  sum<K extends boolean = false>(axis: number, keepdims?: K): K extends true ? Tensor<S, D> : Tensor<Drop1<S>, D>
  sum(axes: readonly number[], keepdims?: boolean): Tensor<Shape, D>
  sum(_a?: Axes, _k?: boolean): unknown {
    return outsideDsl('sum')
  }
  mean(): Tensor<[], 'f32'>
  mean<K extends boolean = false>(
    axis: number,
    keepdims?: K,
  ): K extends true ? Tensor<S, 'f32'> : Tensor<Drop1<S>, 'f32'>
  mean(axes: readonly number[], keepdims?: boolean): Tensor<Shape, 'f32'>
  mean(_a?: Axes, _k?: boolean): unknown {
    return outsideDsl('mean')
  }
  max(): Tensor<[], D>
  max<K extends boolean = false>(axis: number, keepdims?: K): K extends true ? Tensor<S, D> : Tensor<Drop1<S>, D>
  max(axes: readonly number[], keepdims?: boolean): Tensor<Shape, D>
  max(_a?: Axes, _k?: boolean): unknown {
    return outsideDsl('max')
  }
  min(): Tensor<[], D>
  min<K extends boolean = false>(axis: number, keepdims?: K): K extends true ? Tensor<S, D> : Tensor<Drop1<S>, D>
  min(axes: readonly number[], keepdims?: boolean): Tensor<Shape, D>
  min(_a?: Axes, _k?: boolean): unknown {
    return outsideDsl('min')
  }
  logsumexp(): Tensor<[], 'f32'>
  logsumexp<K extends boolean = false>(
    axis: number,
    keepdims?: K,
  ): K extends true ? Tensor<S, 'f32'> : Tensor<Drop1<S>, 'f32'>
  logsumexp(axes: readonly number[], keepdims?: boolean): Tensor<Shape, 'f32'>
  logsumexp(_a?: Axes, _k?: boolean): unknown {
    return outsideDsl('logsumexp')
  }

  softmax(_axis?: number): Tensor<S, 'f32'> {
    return outsideDsl('softmax')
  }
  logSoftmax(_axis?: number): Tensor<S, 'f32'> {
    return outsideDsl('logSoftmax')
  }
  matmul(_o: Tensor<Shape, 'f32'>): Tensor<S, 'f32'> {
    return outsideDsl('matmul')
  }
  cdist(_o: Tensor<Shape, 'f32'>, _opts?: { squared?: boolean; eps?: number }): Tensor<S, 'f32'> {
    return outsideDsl('cdist')
  }
  conv2d(
    _w: Tensor<[number, number, number, number]>,
    _opts?: { stride?: number | [number, number]; padding?: number | [number, number] },
  ): Tensor<S, 'f32'> {
    return outsideDsl('conv2d')
  }
  reshape<R extends readonly number[]>(_shape: readonly [...R]): Tensor<ShapeOf<R>, D> {
    return outsideDsl('reshape')
  }
  transpose(_perm?: readonly number[]): Tensor<S, D> {
    return outsideDsl('transpose')
  }
  /** The last two axes swapped. */
  get T(): Tensor<S, D> {
    return outsideDsl('T')
  }
  expandDims(_axis: number): Tensor<[number, ...S], D> {
    return outsideDsl('expandDims')
  }
  squeeze(_axis?: number): Tensor<Shape, D> {
    return outsideDsl('squeeze')
  }
  broadcastTo<R extends readonly number[]>(_shape: readonly [...R]): Tensor<ShapeOf<R>, D> {
    return outsideDsl('broadcastTo')
  }
  slice(_axis: number, _start: number, _end?: number): Tensor<S, D> {
    return outsideDsl('slice')
  }
  split(_parts: number | readonly number[], _axis?: number): Tensor<S, D>[] {
    return outsideDsl('split')
  }
  gather(_idx: Tensor<Shape, 'i32'>): Tensor<Shape, D> {
    return outsideDsl('gather')
  }
  map(_f: (v: number) => number): Tensor<S, 'f32'> {
    return outsideDsl('map')
  }
  reduce(_axis: number, _f: (acc: number, v: number) => number, _init: number): Tensor<Drop1<S>, 'f32'> {
    return outsideDsl('reduce')
  }
}

export type Scalar<D extends DType = 'f32'> = Tensor<[], D>
export type Vec<D extends DType = 'f32'> = Tensor<[number], D>
export type Mat<D extends DType = 'f32'> = Tensor<[number, number], D>
export type T3<D extends DType = 'f32'> = Tensor<[number, number, number], D>
export type T4<D extends DType = 'f32'> = Tensor<[number, number, number, number], D>
/** A counter-based random key: an i32 scalar. */
export type Key = Tensor<[], 'i32'>

/** A host tensor from nested arrays or a typed array plus a shape. */
export function tensor<D extends DType = 'f32'>(
  values: number[] | number[][] | number[][][] | Data,
  shape?: readonly number[],
  dtype?: D,
): Tensor<Shape, D> {
  const dt = (dtype ?? (values instanceof Int32Array ? 'i32' : values instanceof Uint8Array ? 'bool' : 'f32')) as D
  const inferShape = (v: unknown): number[] => (Array.isArray(v) ? [v.length, ...inferShape(v[0])] : [])
  const sh = shape ?? (ArrayBuffer.isView(values) ? [values.length] : inferShape(values))
  const flat = ArrayBuffer.isView(values) ? values : ((values as unknown[]).flat(Infinity as 1) as number[])
  const data = dt === 'i32' ? Int32Array.from(flat) : dt === 'bool' ? Uint8Array.from(flat) : Float32Array.from(flat)
  return new Tensor(data, sh, dt)
}
