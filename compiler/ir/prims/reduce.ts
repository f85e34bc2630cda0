/** Reductions: sum / max / min over a set of axes, and `reduce` with a user combiner lambda. */
import type { AVal } from '../types.js'
import { alloc, type NDArray, type Precision } from '../ndarray.js'
import { ShapeError, normAxis, showShape, sizeOf, stridesOf } from '../shape.js'
import { definePrimitive, expectDType } from '../primitive.js'
import { compileScalar, printScalar, type ScalarExpr } from '../scalar.js'
import { expandReduced } from '../vjpHelpers.js'
import { diff } from '../scalarDiff.js'
import type { VjpCtx } from '../primitive.js'
import type { Atom, Eqn } from '../types.js'

/** sum: the cotangent spreads back over the reduced axes. */
const sumVjp = (ctx: VjpCtx, e: Eqn & { params: ReduceParams }, [ct]: (Atom | undefined)[]) => {
  const x = e.inputs[0]
  return [ct && x.kind === 'var' && x.dtype === 'f32' ? expandReduced(ctx, ct, e.params.axes, x.shape) : undefined]
}

/** max/min: the cotangent goes to the elements that attain the extremum, split evenly among ties. */
function chooserVjp(ctx: VjpCtx, e: Eqn & { params: ReduceParams }, [ct]: (Atom | undefined)[]) {
  const x = e.inputs[0]
  if (!ct || x.kind !== 'var' || x.dtype !== 'f32') return [undefined]
  const { axes } = e.params
  const hit = ctx.emit('cast', [ctx.emit('eq', [x, expandReduced(ctx, e.outputs[0], axes, x.shape)])], { dtype: 'f32' })
  const count = ctx.emit('reduce_sum', [hit], { axes })
  return [ctx.emit('mul', [hit, expandReduced(ctx, ctx.emit('div', [ct, count]), axes, x.shape)])]
}

export interface ReduceParams {
  axes: number[]
}

export function reducedShape(shape: number[], axes: number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i))
}

function checkAxes(name: string, a: AVal, axes: number[]): void {
  for (const ax of axes) normAxis(ax, a.shape.length)
  if (new Set(axes).size !== axes.length)
    throw new ShapeError(`${name}: repeated axis in ${JSON.stringify(axes)}`, 'name each axis once')
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
    vjp: name === 'reduce_sum' ? sumVjp : chooserVjp,
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
      if (c.shape.length !== 0)
        throw new ShapeError('reduce: a combiner may only capture scalars', 'pass tensors as operands instead')
    return [{ shape: reducedShape(a.shape, [p.axis]), dtype: p.body.dtype }]
  },
  evaluate: ([a, ...captures], p, precision: Precision) => {
    const out = alloc(reducedShape(a.shape, [p.axis]), p.body.dtype, precision)
    fold(a, captures, p, false, precision, (o, _j, acc) => (out.data[o] = acc))
    return [out]
  },
  printParams: (p) =>
    `axis=${p.axis}, init=${p.init}, fn=(acc, v) => ${printScalar(p.body, ['acc', 'v', 'c1', 'c2', 'c3', 'c4'])}`,
  vjp: foldVjp,
})

/**
 * Run a fold along `axis`; `visit(o, j, acc)` sees each output position o (the position with the
 * axis removed), the step j and the accumulator after it. `reverse` folds from the end.
 */
function fold(
  a: NDArray,
  captures: NDArray[],
  p: FoldParams,
  reverse: boolean,
  precision: Precision,
  visit: (o: number, j: number, acc: number) => void,
) {
  const f = compileScalar(p.body, precision === 'f32')
  const n = a.shape[p.axis]
  const stride = stridesOf(a.shape)[p.axis]
  const outer = sizeOf(a.shape) / Math.max(1, n * stride)
  const vals = [0, 0, ...captures.map((c) => c.data[0])]
  const none: number[] = []
  for (let o = 0; o < outer * stride; o++) {
    const base = Math.floor(o / stride) * stride * n + (o % stride)
    let acc = p.init
    for (let t = 0; t < n; t++) {
      const j = reverse ? n - 1 - t : t
      vals[0] = precision === 'f32' ? Math.fround(acc) : acc
      vals[1] = a.data[base + j * stride]
      acc = f(vals, none)
      visit(o, j, acc)
    }
  }
}

/** Every intermediate accumulator of a fold: out[…, j, …] = acc after step j (from the end when reverse). */
definePrimitive<FoldParams & { reverse: boolean }>({
  name: 'scan',
  arity: 'variadic',
  infer: ([a, ...captures], p) => {
    checkAxes('scan', a, [p.axis])
    if (captures.some((c) => c.shape.length !== 0))
      throw new ShapeError('scan: a combiner may only capture scalars', 'pass tensors as operands instead')
    return [{ shape: a.shape, dtype: p.body.dtype }]
  },
  evaluate: ([a, ...captures], p, precision) => {
    const out = alloc(a.shape, p.body.dtype, precision)
    const n = a.shape[p.axis]
    const stride = stridesOf(a.shape)[p.axis]
    fold(
      a,
      captures,
      p,
      p.reverse,
      precision,
      (o, j, acc) => (out.data[Math.floor(o / stride) * stride * n + (o % stride) + j * stride] = acc),
    )
    return [out]
  },
  printParams: (p) =>
    `axis=${p.axis}, init=${p.init}, reverse=${p.reverse}, fn=(acc, v) => ${printScalar(p.body, ['acc', 'v', 'c1', 'c2', 'c3', 'c4'])}`,
})

/**
 * VJP of acc_j = g(acc_{j−1}, x_j): with A = scan(x) (every accumulator), prev_j = A_{j−1},
 * P_j = Π_{k>j} ∂g/∂acc (a reverse scan of products), ct_x_j = ct · P_j · ∂g/∂v (prev_j, x_j).
 */
function foldVjp(ctx: VjpCtx, e: Eqn & { params: FoldParams }, [ct]: (Atom | undefined)[]): (Atom | undefined)[] {
  const [x, ...captures] = e.inputs
  if (!ct || x.kind !== 'var') return e.inputs.map(() => undefined)
  const { axis, init, body } = e.params
  const shape = x.shape
  const n = shape[axis]
  const along = (start: number, size: number, of: Atom) =>
    ctx.emit('slice', [of], {
      start: shape.map((_, i) => (i === axis ? start : 0)),
      size: shape.map((d, i) => (i === axis ? size : d)),
    })
  const edge = (value: number) =>
    ctx.emit('full', [], { shape: shape.map((d, i) => (i === axis ? 1 : d)), value, dtype: 'f32' })
  const accs = ctx.emit('scan', [x, ...captures], { axis, init, body, reverse: false })
  const prev = n === 1 ? edge(init) : ctx.emit('concat', [edge(init), along(0, n - 1, accs)], { axis })
  const operands = [prev, x, ...captures]
  const partial = (i: number) => {
    const d = diff(body, i)
    return d && ctx.emit('map', operands, { shape, body: d })
  }
  const dAcc = partial(0)
  const suffix = dAcc
    ? ctx.emit('scan', [dAcc], {
        axis,
        init: 1,
        reverse: true,
        body: {
          k: 'bin',
          op: 'mul',
          dtype: 'f32',
          a: { k: 'in', i: 0, dtype: 'f32' },
          b: { k: 'in', i: 1, dtype: 'f32' },
        },
      })
    : undefined
  const after = !suffix
    ? undefined
    : n === 1
      ? edge(1)
      : ctx.emit('concat', [along(1, n - 1, suffix), edge(1)], { axis })
  let flow: Atom = expandReduced(ctx, ct, [axis], shape)
  if (after) flow = ctx.emit('mul', [flow, after])
  else if (n > 1)
    flow = ctx.emit('mul', [
      flow,
      ctx.emit(
        'concat',
        [
          ctx.emit('full', [], { shape: shape.map((d, i) => (i === axis ? n - 1 : d)), value: 0, dtype: 'f32' }),
          edge(1),
        ],
        { axis },
      ),
    ])
  return e.inputs.map((input, i) => {
    if (input.kind !== 'var' || input.dtype !== 'f32') return undefined
    const d = partial(i + 1)
    if (!d) return undefined
    const contrib = ctx.emit('mul', [flow, d])
    return i === 0 ? contrib : ctx.emit('reduce_sum', [contrib], { axes: shape.map((_, k) => k) })
  })
}

export const isReduction = (prim: string): boolean => prim.startsWith('reduce')
