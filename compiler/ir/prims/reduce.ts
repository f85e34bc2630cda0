/** Reductions: sum / max / min over a set of axes, and `reduce` with a user combiner lambda. */
import type { AVal } from '../types.js'
import { alloc, type NDArray, type Precision } from '../ndarray.js'
import { ShapeError, normAxis, showShape, sizeOf, stridesOf } from '../shape.js'
import { definePrimitive, expectDType } from '../primitive.js'
import { compileScalar, printScalar, type ScalarExpr } from '../scalar.js'

export interface ReduceParams {
  axes: number[]
}

export function reducedShape(shape: number[], axes: number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i))
}

function checkAxes(name: string, a: AVal, axes: number[]): void {
  for (const ax of axes) normAxis(ax, a.shape.length)
  if (new Set(axes).size !== axes.length) throw new ShapeError(`${name}: repeated axis in ${JSON.stringify(axes)}`, 'name each axis once')
  for (const ax of axes)
    if (ax < 0) throw new ShapeError(`${name}: axes must be normalized`, 'internal: normalize axes before emitting')
}

/** For each input element, the flat index of the output element it reduces into. */
export function reductionTargets(shape: number[], axes: number[]): Int32Array {
  const outShape = reducedShape(shape, axes)
  const outStrides = stridesOf(outShape)
  const strides = stridesOf(shape)
  const n = sizeOf(shape)
  const target = new Int32Array(n)
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i))
  for (let k = 0; k < n; k++) {
    let t = 0
    kept.forEach((ax, j) => {
      t += (Math.floor(k / strides[ax]) % shape[ax]) * outStrides[j]
    })
    target[k] = t
  }
  return target
}

function defineReduction(name: string, init: number, combine: (a: number, b: number) => number) {
  definePrimitive<ReduceParams>({
    name,
    arity: 1,
    infer: ([a], p) => {
      checkAxes(name, a, p.axes)
      expectDType(name, a, name === 'reduce_sum' ? ['f32', 'i32'] : ['f32', 'i32'])
      return [{ shape: reducedShape(a.shape, p.axes), dtype: a.dtype }]
    },
    evaluate: ([a], p, precision) => {
      const target = reductionTargets(a.shape, p.axes)
      const acc = new Float64Array(sizeOf(reducedShape(a.shape, p.axes))).fill(init)
      for (let k = 0; k < a.data.length; k++) acc[target[k]] = combine(acc[target[k]], a.data[k])
      const out = alloc(reducedShape(a.shape, p.axes), a.dtype, precision)
      out.data.set(acc)
      return [out]
    },
    printParams: (p) => `axes=${showShape(p.axes)}`,
  })
}

defineReduction('reduce_sum', 0, (a, b) => a + b)
defineReduction('reduce_max', -Infinity, Math.max)
defineReduction('reduce_min', Infinity, Math.min)

/** A left fold along one axis: acc = body(acc, x[…, j, …]) for j = 0 … n-1, starting at init. */
export interface FoldParams {
  axis: number
  init: number
  /** Reads `in 0` (the accumulator), `in 1` (the element), `in 2…` (captured scalar operands 1…). */
  body: ScalarExpr
}

definePrimitive<FoldParams>({
  name: 'reduce',
  arity: 'variadic',
  infer: ([a, ...captures], p) => {
    checkAxes('reduce', a, [p.axis])
    for (const c of captures)
      if (c.shape.length !== 0) throw new ShapeError('reduce: a combiner may only capture scalars', 'pass tensors as operands instead')
    return [{ shape: reducedShape(a.shape, [p.axis]), dtype: p.body.dtype }]
  },
  evaluate: ([a, ...captures], p, precision: Precision) => {
    const f = compileScalar(p.body, precision === 'f32')
    const outShape = reducedShape(a.shape, [p.axis])
    const out = alloc(outShape, p.body.dtype, precision)
    const n = a.shape[p.axis]
    const stride = stridesOf(a.shape)[p.axis]
    const vals = [0, 0, ...captures.map((c) => c.data[0])]
    const none: number[] = []
    for (let o = 0; o < out.data.length; o++) {
      // o = (outer, inner) with inner below the axis
      const inner = o % stride
      const outer = Math.floor(o / stride)
      const base = outer * stride * n + inner
      let acc = p.init
      for (let j = 0; j < n; j++) {
        vals[0] = acc
        vals[1] = a.data[base + j * stride]
        acc = f(vals, none)
      }
      out.data[o] = acc
    }
    return [out]
  },
  printParams: (p) => `axis=${p.axis}, init=${p.init}, fn=(acc, v) => ${printScalar(p.body, ['acc', 'v', 'c1', 'c2', 'c3', 'c4'])}`,
})

export const isReduction = (prim: string): boolean => prim.startsWith('reduce')
export type { NDArray }
