/**
 * Elementwise primitives: every unary and binary op of the shared table, `where`, `cast`,
 * and `map` (a scalar lambda over inputs and output indices, used by map/zipWith/generate).
 * Operands have the output shape or are rank 0 (a scalar applied everywhere).
 */
import type { AVal, DType } from '../types.js'
import { alloc, type NDArray } from '../ndarray.js'
import { ShapeError, sameShape, showShape, sizeOf, stridesOf } from '../shape.js'
import { definePrimitive, expectDType } from '../primitive.js'
import { BINARY, BINARY_NAMES, UNARY, UNARY_NAMES, type BinaryName, type UnaryName } from '../ops.js'
import { bodyProblem, scalarFunction, printScalar, sBinary, sSelect, sUnary, type ScalarExpr } from '../scalar.js'
import { elementwiseVjp } from '../vjpHelpers.js'
import { bin, operand, scalarCode, un } from '../../kernel/element.js'
import { num } from '../../kernel/build.js'

declare module '../types.js' {
  interface PrimParams extends Record<UnaryName | BinaryName, NoParams> {
    where: NoParams
    cast: { dtype: DType }
    map: MapParams
  }
}

const arg = (i: number, a: { dtype: DType }): ScalarExpr => ({ k: 'in', i, dtype: a.dtype })

/** The common shape of elementwise operands: all equal, rank-0 operands excepted. */
export function elementwiseShape(name: string, inputs: AVal[]): number[] {
  let shape: number[] | undefined
  for (const a of inputs) {
    if (a.shape.length === 0) continue
    if (!shape) shape = a.shape
    else if (!sameShape(shape, a.shape))
      throw new ShapeError(
        `${name}: operand shapes ${showShape(shape)} and ${showShape(a.shape)} differ`,
        'broadcast them to one shape first',
      )
  }
  return shape ?? []
}

const reader = (a: NDArray) => {
  const d = a.data
  return a.shape.length === 0 ? () => d[0] : (k: number) => d[k]
}

function evalElementwise(
  inputs: NDArray[],
  shape: number[],
  dtype: DType,
  precision: 'f32' | 'f64',
  f: (vals: number[]) => number,
) {
  const out = alloc(shape, dtype, precision)
  const reads = inputs.map(reader)
  const vals = new Array<number>(inputs.length)
  const o = out.data
  for (let k = 0; k < o.length; k++) {
    for (let i = 0; i < reads.length; i++) vals[i] = reads[i](k)
    o[k] = f(vals)
  }
  return [out]
}

for (const name of UNARY_NAMES) {
  const op = UNARY[name]
  definePrimitive({
    name,
    arity: 1,
    params: {},
    fusion: 'elementwise',
    element: (env, e, idx) => un(name, operand(env, e, 0, idx)),
    infer: ([a]) => [{ shape: a.shape, dtype: op.dtype(a.dtype) }],
    evaluate: ([a], _p, precision) => evalElementwise([a], a.shape, op.dtype(a.dtype), precision, (v) => op.f(v[0])),
    vjp: (ctx, e, [ct]) => elementwiseVjp(ctx, e, ct, sUnary(name, arg(0, e.inputs[0])), e.outputs[0].shape),
  })
}

for (const name of BINARY_NAMES) {
  const op = BINARY[name]
  definePrimitive({
    name,
    arity: 2,
    params: {},
    fusion: 'elementwise',
    element: (env, e, idx) => bin(name, operand(env, e, 0, idx), operand(env, e, 1, idx)),
    infer: (ins) => [{ shape: elementwiseShape(name, ins), dtype: op.dtype(ins[0].dtype, ins[1].dtype) }],
    evaluate: (ins, _p, precision) => {
      const shape = elementwiseShape(name, ins)
      return evalElementwise(ins, shape, op.dtype(ins[0].dtype, ins[1].dtype), precision, (v) => op.f(v[0], v[1]))
    },
    vjp: (ctx, e, [ct]) =>
      elementwiseVjp(ctx, e, ct, sBinary(name, arg(0, e.inputs[0]), arg(1, e.inputs[1])), e.outputs[0].shape),
  })
}

definePrimitive({
  name: 'where',
  arity: 3,
  params: {},
  fusion: 'elementwise',
  element: (env, e, idx) => ({
    k: 'sel',
    c: operand(env, e, 0, idx),
    a: operand(env, e, 1, idx),
    b: operand(env, e, 2, idx),
  }),
  infer: (ins) => {
    expectDType('where', ins[0], ['bool'], 'condition')
    if (ins[1].dtype !== ins[2].dtype)
      throw new ShapeError(
        `where: branches have dtypes ${ins[1].dtype} and ${ins[2].dtype}`,
        'cast one branch with .astype()',
      )
    return [{ shape: elementwiseShape('where', ins), dtype: ins[1].dtype }]
  },
  evaluate: (ins, _p, precision) =>
    evalElementwise(ins, elementwiseShape('where', ins), ins[1].dtype, precision, (v) => (v[0] ? v[1] : v[2])),
  vjp: (ctx, e, [ct]) =>
    elementwiseVjp(
      ctx,
      e,
      ct,
      sSelect(arg(0, e.inputs[0]), arg(1, e.inputs[1]), arg(2, e.inputs[2])),
      e.outputs[0].shape,
    ),
})

definePrimitive({
  name: 'cast',
  arity: 1,
  params: { dtype: 'dtype' },
  fusion: 'elementwise',
  element: (env, e, idx) => {
    const a = operand(env, e, 0, idx)
    return e.params.dtype === 'bool' ? bin('ne', a, num(0)) : e.params.dtype === 'i32' ? un('trunc', a) : a
  },
  infer: ([a], p) => [{ shape: a.shape, dtype: p.dtype }],
  evaluate: ([a], p, precision) =>
    evalElementwise([a], a.shape, p.dtype, precision, (v) =>
      p.dtype === 'bool' ? +!!v[0] : p.dtype === 'i32' ? Math.trunc(v[0]) : v[0],
    ),
  // Only a float-to-float cast carries a gradient; integers and booleans are piecewise constant.
  vjp: (_ctx, e, [ct]) => [e.params.dtype === 'f32' && e.inputs[0].dtype === 'f32' ? ct : undefined],
})

/** A scalar lambda applied per output element. `body` reads inputs (`in i`) and output indices (`idx`). */
export interface MapParams {
  shape: number[]
  body: ScalarExpr
}

definePrimitive({
  name: 'map',
  arity: 'variadic',
  params: { shape: 'shape', body: 'scalar' },
  fusion: 'elementwise',
  element: (env, e, idx) => scalarCode(e.params.body, (i) => operand(env, e, i, idx), idx),
  infer: (ins, p) => {
    for (const a of ins)
      if (a.shape.length !== 0 && !sameShape(a.shape, p.shape))
        throw new ShapeError(
          `map: operand of shape ${showShape(a.shape)} does not match ${showShape(p.shape)}`,
          'give zipWith operands of one shape',
        )
    const problem = bodyProblem(
      p.body,
      ins.map((a) => a.dtype),
      p.shape.length,
    )
    if (problem) throw new ShapeError(`map: ${problem}`, 'read only the operands and indices the map has')
    return [{ shape: p.shape, dtype: p.body.dtype }]
  },
  evaluate: (ins, p, precision) => {
    const f = scalarFunction(p.body, precision === 'f32')
    const strides = stridesOf(p.shape)
    const idx = new Array<number>(p.shape.length).fill(0)
    const reads = ins.map(reader)
    const vals = new Array<number>(ins.length)
    const out = alloc(p.shape, p.body.dtype, precision)
    for (let k = 0; k < sizeOf(p.shape); k++) {
      let r = k
      for (let a = 0; a < strides.length; a++) {
        idx[a] = Math.floor(r / strides[a])
        r -= idx[a] * strides[a]
      }
      for (let i = 0; i < reads.length; i++) vals[i] = reads[i](k)
      out.data[k] = f(vals, idx)
    }
    return [out]
  },
  printParams: (p) =>
    `shape=${showShape(p.shape)}, fn=(${argNames(p.body).join(', ')}) => ${printScalar(p.body, argNames(p.body))}`,
  vjp: (ctx, e, [ct]) => elementwiseVjp(ctx, e, ct, e.params.body, e.params.shape),
})

/** Names a, b, c … for the lambda inputs of a printed body. */
export function argNames(body: ScalarExpr): string[] {
  let n = -1
  const visit = (e: ScalarExpr): void => {
    if (e.k === 'in') n = Math.max(n, e.i)
    if ('a' in e) visit(e.a)
    if ('b' in e) visit(e.b)
    if ('c' in e) visit(e.c)
  }
  visit(body)
  return Array.from(
    { length: n + 1 },
    (_, i) => String.fromCharCode(97 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : ''),
  )
}
