/** Reductions: sum / max / min over a set of axes, and `reduce` with a user combiner lambda. */
import type { AVal } from '../types.js'
import { alloc, type NDArray, type Precision } from '../ndarray.js'
import { ShapeError, normAxis, showShape, sizeOf, stridesOf } from '../shape.js'
import { definePrimitive, expectDType } from '../primitive.js'
import { bodyProblem, scalarFunction, printScalar, type ScalarExpr } from '../scalar.js'
import { expandReduced } from '../vjpHelpers.js'
import { diff } from '../scalarDiff.js'
import type { VjpCtx } from '../primitive.js'
import type { Atom, Eqn, Var } from '../types.js'
import { bin, elem, elementKey, scalarCode, type ElementEnv } from '../../kernel/element.js'
import { add, num, ref, sub, unflatten } from '../../kernel/build.js'
import type { KExpr } from '../../kernel/types.js'
import type { EqnOf } from '../primitive.js'

type ReductionName = 'reduce_sum' | 'reduce_max' | 'reduce_min'

declare module '../types.js' {
  interface PrimParams extends Record<ReductionName, ReduceParams> {
    reduce: FoldParams
    scan: FoldParams & { reverse: boolean }
  }
}

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

function defineReduction(name: ReductionName, init: number, combine: (a: number, b: number) => number) {
  definePrimitive<ReductionName>({
    name,
    arity: 1,
    params: { axes: 'ints' },
    fusion: 'loop',
    element: reduction,
    terms: ([a], p) => p.axes.reduce((n, ax) => n * a.shape[ax], 1),
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

/** A fold's lambda reads the accumulator (in 0), the element (in 1) and the captured scalars (in 2…), and no index. */
function checkFoldBody(name: string, body: ScalarExpr, x: AVal, captures: AVal[]): void {
  const problem = bodyProblem(body, [undefined, x.dtype, ...captures.map((c) => c.dtype)], 0)
  if (problem)
    throw new ShapeError(`${name}: ${problem}`, 'read only the accumulator, the element and captured scalars')
}

/** A left fold along one axis: acc = body(acc, x[…, j, …]) for j = 0 … n-1, starting at init. */
export interface FoldParams {
  axis: number
  init: number
  /** Reads `in 0` (the accumulator), `in 1` (the element), `in 2…` (captured scalar operands 1…). */
  body: ScalarExpr
}

definePrimitive<'reduce'>({
  name: 'reduce',
  arity: 'variadic',
  params: { axis: 'int', init: 'number', body: 'scalar' },
  fusion: 'loop',
  terms: ([a], p) => a.shape[p.axis],
  element: (env, e, idx) => {
    const { b } = env
    const x = e.inputs[0] as Var
    const axis = e.params.axis
    const acc = b.declare(num(e.params.init))
    b.loop(x.shape[axis], (k) => {
      const full = [...idx.slice(0, axis), k, ...idx.slice(axis)]
      b.emit({ k: 'set', name: acc, value: foldBody(env, e, acc, x, full) })
    })
    return ref(acc)
  },
  infer: ([a, ...captures], p) => {
    checkAxes('reduce', a, [p.axis])
    for (const c of captures)
      if (c.shape.length !== 0)
        throw new ShapeError('reduce: a combiner may only capture scalars', 'pass tensors as operands instead')
    checkFoldBody('reduce', p.body, a, captures)
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
  const f = scalarFunction(p.body, precision === 'f32')
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
definePrimitive<'scan'>({
  name: 'scan',
  arity: 'variadic',
  params: { axis: 'int', init: 'number', body: 'scalar', reverse: 'boolean' },
  fusion: 'loop',
  terms: ([a], p) => a.shape[p.axis],
  // out[…, j, …] = the accumulator after step j: a loop over the whole axis that stops counting past j
  element: (env, e, idx) => {
    const { b } = env
    const x = e.inputs[0] as Var
    const { axis, reverse } = e.params
    const n = x.shape[axis]
    const acc = b.declare(num(e.params.init))
    b.loop(n, (k) => {
      const step = reverse ? sub(num(n - 1), k) : k
      const full = idx.map((v, i) => (i === axis ? step : v))
      const live = reverse ? bin('ge', step, idx[axis]) : bin('le', step, idx[axis])
      b.when(live, () => b.emit({ k: 'set', name: acc, value: foldBody(env, e, acc, x, full) }))
    })
    return ref(acc)
  },
  infer: ([a, ...captures], p) => {
    checkAxes('scan', a, [p.axis])
    if (captures.some((c) => c.shape.length !== 0))
      throw new ShapeError('scan: a combiner may only capture scalars', 'pass tensors as operands instead')
    checkFoldBody('scan', p.body, a, captures)
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

/** One step of a fold's combiner: reads the accumulator, the element at `full` and the captured scalars. */
function foldBody(env: ElementEnv, e: Eqn & { params: FoldParams }, acc: string, x: Var, full: KExpr[]): KExpr {
  const input = (i: number) => (i === 0 ? ref(acc) : i === 1 ? elem(env, x, full) : elem(env, e.inputs[i - 1], []))
  return scalarCode(e.params.body, input, [])
}

/**
 * Σ exp(x − max x) over the same axes (the softmax normalizer): recognized through the broadcast
 * of the max, so one online loop (a running max rescales the running sum) computes it without
 * reading the max first. The sum then no longer depends on the max, and the two can share a launch.
 * Where the max is stored anyway and the two never share a launch (env.readStoredMax), the plain
 * sum reading it is cheaper, and is what gets built.
 * The loop's final running max is the max itself: a logsumexp built in the same kernel reuses it.
 */
function softmaxNormalizer(env: ElementEnv, e: EqnOf<'reduce_sum'>): { logits: Var; max: Var } | undefined {
  const inlineProducer = (a: Atom | undefined, prim: string) => {
    if (!a || a.kind !== 'var' || env.source(a).kind !== 'inline') return undefined
    const p = env.producer(a.id)
    return p?.prim === prim ? p : undefined
  }
  const diff = inlineProducer(inlineProducer(e.inputs[0], 'exp')?.inputs[0], 'sub')
  if (!diff) return undefined
  const [x, shifted] = diff.inputs
  let m: Atom | undefined = shifted
  for (let guard = 0; m && m.kind === 'var' && guard < 8; guard++) {
    const p: Eqn | undefined = env.producer(m.id)
    if (!p) return undefined
    if (p.prim === 'reduce_max') {
      // a stored max is read instead: one exp per element, no running rescale
      if (env.readStoredMax && env.source(p.outputs[0]).kind === 'buffer') return undefined
      const sameAxes = String(p.params.axes) === String(e.params.axes)
      return x.kind === 'var' && p.inputs[0].kind === 'var' && p.inputs[0].id === x.id && sameAxes
        ? { logits: x, max: p.outputs[0] }
        : undefined
    }
    if (!['broadcast', 'reshape', 'stop_gradient'].includes(p.prim)) return undefined
    m = p.inputs[0]
  }
  return undefined
}

/** Loops over the reduced axes (as one flat loop when there are several). */
function reduction(env: ElementEnv, e: EqnOf<ReductionName>, idx: KExpr[]): KExpr {
  const { b } = env
  const x = e.inputs[0] as Var
  const axes = e.params.axes
  const sizes = axes.map((a) => x.shape[a])
  const n = sizes.reduce((s, d) => s * d, 1)
  const fullIndex = (k: KExpr, of: Var) => {
    const inner = axes.length === 1 ? [k] : unflatten(k, sizes)
    const full: KExpr[] = []
    let kept = 0
    for (let i = 0; i < of.shape.length; i++) full.push(axes.includes(i) ? inner[axes.indexOf(i)] : idx[kept++])
    return full
  }
  const online = e.prim === 'reduce_sum' ? softmaxNormalizer(env, e as EqnOf<'reduce_sum'>) : undefined
  if (online) {
    const { logits } = online
    const m = b.declare(num(-Infinity), 'max')
    const s = b.declare(num(0), 'sum')
    b.loop(n, (k) => {
      const v = b.bind(elem(env, logits, fullIndex(k, logits)))
      b.when(
        bin('gt', v, ref(m)),
        () => {
          b.emit({
            k: 'set',
            name: s,
            value: add(bin('mul', ref(s), { k: 'un', op: 'exp', a: sub(ref(m), v) }), num(1)),
          })
          b.emit({ k: 'set', name: m, value: v })
        },
        () => b.emit({ k: 'set', name: s, value: add(ref(s), { k: 'un', op: 'exp', a: sub(v, ref(m)) }) }),
      )
    })
    // the running max is the max: a logsumexp (max + log Σ) in this kernel needs no second loop
    b.remember(elementKey(b, online.max, idx), ref(m))
    return ref(s)
  }
  const op = e.prim === 'reduce_sum' ? 'add' : e.prim === 'reduce_max' ? 'max' : 'min'
  const acc = b.declare(num(op === 'add' ? 0 : op === 'max' ? -Infinity : Infinity))
  b.loop(n, (k) => b.emit({ k: 'set', name: acc, value: bin(op, ref(acc), elem(env, x, fullIndex(k, x))) }))
  return ref(acc)
}
