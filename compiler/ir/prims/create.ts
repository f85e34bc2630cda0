/** Tensors made from nothing: iota (indices along an axis) and full (a constant). */
import { fill } from '../ndarray.js'
import { ShapeError, normAxis, showShape, stridesOf } from '../shape.js'
import { definePrimitive } from '../primitive.js'
import { operand } from '../../kernel/element.js'
import { num } from '../../kernel/build.js'

declare module '../types.js' {
  interface PrimParams {
    iota: { shape: number[]; axis: number; dtype: DType }
    full: { shape: number[]; value: number; dtype: DType }
    stop_gradient: NoParams
    copy: NoParams
    hint: { mode: 'materialize' | 'inline' }
  }
}

const checkShape = (shape: number[]) => {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new ShapeError(`invalid shape ${showShape(shape)}`, 'sizes are non-negative integers known at compile time')
}

definePrimitive({
  name: 'iota',
  arity: 0,
  params: { shape: 'shape', axis: 'int', dtype: 'dtype' },
  fusion: 'constant',
  element: (_env, e, idx) => idx[e.params.axis],
  infer: (_i, p) => {
    checkShape(p.shape)
    normAxis(p.axis, p.shape.length)
    return [{ shape: p.shape, dtype: p.dtype }]
  },
  evaluate: (_i, p, precision) => {
    const s = stridesOf(p.shape)
    return [fill(p.shape, p.dtype, precision, (k) => Math.floor(k / s[p.axis]) % p.shape[p.axis])]
  },
  printParams: (p) => `shape=${showShape(p.shape)}, axis=${p.axis}, dtype=${p.dtype}`,
})

definePrimitive({
  name: 'full',
  arity: 0,
  params: { shape: 'shape', value: 'number', dtype: 'dtype' },
  fusion: 'constant',
  element: (_env, e) => num(e.params.value),
  infer: (_i, p) => {
    checkShape(p.shape)
    return [{ shape: p.shape, dtype: p.dtype }]
  },
  evaluate: (_i, p, precision) => [fill(p.shape, p.dtype, precision, () => p.value)],
  printParams: (p) => `shape=${showShape(p.shape)}, value=${p.value}, dtype=${p.dtype}`,
})

/** Identity forward; blocks the cotangent (the drift target x + V(x) is a constant to the optimizer). */
definePrimitive({
  name: 'stop_gradient',
  arity: 1,
  params: {},
  fusion: 'view',
  element: (env, e, idx) => operand(env, e, 0, idx),
  infer: ([a]) => [a],
  evaluate: ([a]) => [a],
  vjp: () => [undefined],
})

/** Identity that makes a fresh value (autodiff uses it so each differentiated argument is distinct). */
definePrimitive({
  name: 'copy',
  arity: 1,
  params: {},
  fusion: 'view',
  element: (env, e, idx) => operand(env, e, 0, idx),
  infer: ([a]) => [a],
  evaluate: ([a]) => [a],
  vjp: (_ctx, _e, [ct]) => [ct],
})

/** A fusion hint: identity, asking the fusion stage to store (`materialize`) or recompute (`inline`) its operand. */
definePrimitive({
  name: 'hint',
  arity: 1,
  params: { mode: ['materialize', 'inline'] },
  fusion: 'view',
  element: (env, e, idx) => operand(env, e, 0, idx),
  infer: ([a], p) => {
    if (p.mode !== 'materialize' && p.mode !== 'inline')
      throw new ShapeError(`unknown fusion hint '${p.mode}'`, "use 'materialize' or 'inline'")
    return [a]
  },
  evaluate: ([a]) => [a],
  printParams: (p) => `mode=${p.mode}`,
  vjp: (_ctx, _e, [ct]) => [ct],
})
