/**
 * The DSL operations, as the frontend implements them: each takes evaluated arguments and
 * emits L1 (or folds, or builds a scalar-lambda expression). The same table serves free
 * functions (`softmax(x, 1)`) and methods (`x.softmax(1)`).
 */
import type { Node } from 'ts-morph'
import type { DType } from '../ir/types.js'
import { sSelect } from '../ir/scalar.js'
import { ShapeError, broadcastShapes, normAxis, sizeOf } from '../ir/shape.js'
import { fail } from './diagnostics.js'
import { Builtin, Closure, Record_, ScalarSym, Tracer, describe, type Value } from './values.js'
import {
  applyBinary,
  applyUnary,
  axesOf,
  broadcastTo,
  cast,
  reduceOp,
  reshape,
  scalarOf,
  tensorBinary,
  tracerOf,
} from './tensorOps.js'
import type { Evaluator } from './evaluate.js'
import { LAMBDA_OPS } from './lambdaOps.js'
import { RANDOM_OPS } from './randomOps.js'
import { SHAPE_OPS } from './shapeOps.js'
import { AD_OPS } from './adOps.js'
import { TREE_OPS } from './treeOps.js'
import { dtypeArg, optBool, optNumber, options, tensorArg, type Op } from './args.js'
import { didYouMean } from './suggest.js'

const unary =
  (op: string): Op =>
  (ev, args, call) =>
    applyUnary(ev, op, ev.arg(args, 0, call, op), call)
const binary =
  (op: string): Op =>
  (ev, args, call) =>
    applyBinary(ev, op, ev.arg(args, 0, call, op), ev.arg(args, 1, call, op), call)

export function applySelect(ev: Evaluator, c: Value, a: Value, b: Value, call: Node): Value {
  if (c instanceof ScalarSym || a instanceof ScalarSym || b instanceof ScalarSym)
    return new ScalarSym(sSelect(scalarOf(ev, c, call), scalarOf(ev, a, call), scalarOf(ev, b, call)))
  const ct = cast(ev, tracerOf(c as Tracer), 'bool')
  const dt: DType =
    [a, b].some((x) => x instanceof Tracer && x.dtype === 'f32') ||
    [a, b].some((x) => typeof x === 'number' && !Number.isInteger(x))
      ? 'f32'
      : a instanceof Tracer
        ? a.dtype
        : b instanceof Tracer
          ? b.dtype
          : 'f32'
  const ta = cast(ev, tracerOf(a as Tracer, dt), dt)
  const tb = cast(ev, tracerOf(b as Tracer, dt), dt)
  const shape = ev.checked(() => broadcastShapes([ct.shape, ta.shape, tb.shape]))
  const fit = (t: Tracer) => (t.shape.length === 0 ? t : broadcastTo(ev, t, shape))
  return ev.emit1('where', [fit(ct), fit(ta), fit(tb)])
}

function reduction(prim: 'reduce_sum' | 'reduce_max' | 'reduce_min', name: string): Op {
  return (ev, args, call) => {
    const x = tensorArg(ev, args, 0, call, name)
    return reduceOp(ev, prim, x, axesOf(ev, args[1], x.shape.length, call), optBool(args[2], false))
  }
}

const mean: Op = (ev, args, call) => {
  const x = cast(ev, tensorArg(ev, args, 0, call, 'mean'), 'f32')
  const axes = axesOf(ev, args[1], x.shape.length, call)
  const n = sizeOf(axes.map((a) => x.shape[a]))
  return tensorBinary(ev, 'div', reduceOp(ev, 'reduce_sum', x, axes, optBool(args[2], false)), n)
}

/** log Σ exp(x) = m + log Σ exp(x − m), m = stopGradient(max x): stable for large logits. */
const logsumexp: Op = (ev, args, call) => {
  const x = cast(ev, tensorArg(ev, args, 0, call, 'logsumexp'), 'f32')
  const axes = axesOf(ev, args[1], x.shape.length, call)
  const m = ev.emit1('stop_gradient', [reduceOp(ev, 'reduce_max', x, axes, true)])
  const s = reduceOp(ev, 'reduce_sum', tensorUnaryOp(ev, 'exp', tensorBinary(ev, 'sub', x, m)), axes, true)
  const r = tensorBinary(ev, 'add', tensorUnaryOp(ev, 'log', s), m)
  return optBool(args[2], false)
    ? r
    : reshape(
        ev,
        r,
        x.shape.filter((_, i) => !axes.includes(i)),
      )
}

const tensorUnaryOp = (ev: Evaluator, op: string, t: Tracer) =>
  applyUnary(ev, op, t, undefined as unknown as Node) as Tracer

function softmaxAxis(ev: Evaluator, args: Value[], call: Node, name: string) {
  const x = cast(ev, tensorArg(ev, args, 0, call, name), 'f32')
  const axis = ev.checked(() => normAxis(optNumber(ev, args[1], call, 'axis', -1), x.shape.length))
  return { x, axis }
}

const softmax: Op = (ev, args, call) => {
  const { x, axis } = softmaxAxis(ev, args, call, 'softmax')
  const e = tensorUnaryOp(
    ev,
    'exp',
    tensorBinary(ev, 'sub', x, ev.emit1('stop_gradient', [reduceOp(ev, 'reduce_max', x, [axis], true)])),
  )
  return tensorBinary(ev, 'div', e, reduceOp(ev, 'reduce_sum', e, [axis], true))
}

const logSoftmax: Op = (ev, args, call) => {
  const { x, axis } = softmaxAxis(ev, args, call, 'logSoftmax')
  return tensorBinary(ev, 'sub', x, logsumexp(ev, [x, axis, true], call) as Tracer)
}

const matmul: Op = (ev, args, call) => {
  let a = cast(ev, tensorArg(ev, args, 0, call, 'matmul'), 'f32')
  let b = cast(ev, tensorArg(ev, args, 1, call, 'matmul'), 'f32')
  if (a.shape.length < 2 || b.shape.length < 2)
    ev.checked(() => {
      throw new ShapeError(
        `matmul needs operands of rank ≥ 2, got [${a.shape}] and [${b.shape}]`,
        'reshape a vector to [1, n] or [n, 1]',
      )
    })
  const batch = ev.checked(() => broadcastShapes([a.shape.slice(0, -2), b.shape.slice(0, -2)]))
  a = broadcastTo(ev, a, [...batch, ...a.shape.slice(-2)])
  b = broadcastTo(ev, b, [...batch, ...b.shape.slice(-2)])
  return ev.emit1('matmul', [a, b])
}

/** Pairwise L2 distances between rows: sqrt(‖x−y‖² + eps) (eps = 1e-8 keeps gradients finite), or squared. */
const cdist: Op = (ev, args, call) => {
  const x = cast(ev, tensorArg(ev, args, 0, call, 'cdist'), 'f32')
  const y = cast(ev, tensorArg(ev, args, 1, call, 'cdist'), 'f32')
  const o = options(args[2], call, ['squared', 'eps'])
  return ev.emit1('cdist', [x, y], {
    squared: optBool(o.get('squared'), false),
    eps: optNumber(ev, o.get('eps'), call, 'eps', 1e-8),
  })
}

const conv2d: Op = (ev, args, call) => {
  const x = cast(ev, tensorArg(ev, args, 0, call, 'conv2d'), 'f32')
  const w = cast(ev, tensorArg(ev, args, 1, call, 'conv2d'), 'f32')
  const o = options(args[2], call, ['stride', 'padding'])
  const pair = (v: Value, d: number, what: string): [number, number] => {
    if (v === undefined) return [d, d]
    if (Array.isArray(v)) return [ev.staticNumber(v[0], call, what), ev.staticNumber(v[1], call, what)]
    const n = ev.staticNumber(v, call, what)
    return [n, n]
  }
  return ev.emit1('conv2d', [x, w], {
    stride: pair(o.get('stride'), 1, 'stride'),
    padding: pair(o.get('padding'), 0, 'padding'),
  })
}

/** stopGradient over a tensor or a pytree of tensors. */
function stopGradient(ev: Evaluator, v: Value, call: Node): Value {
  if (v instanceof Tracer) return v.atom.kind === 'lit' ? v : ev.emit1('stop_gradient', [v])
  if (Array.isArray(v)) return v.map((x) => stopGradient(ev, x, call))
  if (v instanceof Record_) return new Record_(new Map([...v.fields].map(([k, x]) => [k, stopGradient(ev, x, call)])))
  return v
}

const OPS: Record<string, Op> = {
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  div: binary('div'),
  pow: binary('pow'),
  mod: binary('mod'),
  maximum: binary('max'),
  minimum: binary('min'),
  atan2: binary('atan2'),
  lt: binary('lt'),
  le: binary('le'),
  gt: binary('gt'),
  ge: binary('ge'),
  eq: binary('eq'),
  ne: binary('ne'),
  less: binary('lt'),
  lessEqual: binary('le'),
  greater: binary('gt'),
  greaterEqual: binary('ge'),
  equal: binary('eq'),
  notEqual: binary('ne'),
  logicalAnd: binary('and'),
  logicalOr: binary('or'),
  logicalNot: unary('not'),
  neg: unary('neg'),
  exp: unary('exp'),
  log: unary('log'),
  sqrt: unary('sqrt'),
  abs: unary('abs'),
  sign: unary('sign'),
  sin: unary('sin'),
  cos: unary('cos'),
  tanh: unary('tanh'),
  floor: unary('floor'),
  ceil: unary('ceil'),
  log1p: unary('log1p'),
  expm1: unary('expm1'),
  square: (ev, args, call) => applyBinary(ev, 'mul', ev.arg(args, 0, call), ev.arg(args, 0, call), call),
  where: (ev, args, call) =>
    applySelect(
      ev,
      ev.arg(args, 0, call, 'where'),
      ev.arg(args, 1, call, 'where'),
      ev.arg(args, 2, call, 'where'),
      call,
    ),
  astype: (ev, args, call) =>
    cast(ev, tensorArg(ev, args, 0, call, 'astype'), dtypeArg(ev.arg(args, 1, call, 'astype'), call, 'f32')),
  sum: reduction('reduce_sum', 'sum'),
  max: reduction('reduce_max', 'max'),
  min: reduction('reduce_min', 'min'),
  mean,
  logsumexp,
  softmax,
  logSoftmax,
  matmul,
  cdist,
  conv2d,
  stopGradient: (ev, args, call) => stopGradient(ev, ev.arg(args, 0, call, 'stopGradient'), call),
  hint: (ev, args, call) => {
    const mode = ev.arg(args, 1, call, 'hint')
    if (mode !== 'materialize' && mode !== 'inline')
      fail(
        'D109',
        call,
        `hint takes 'materialize' or 'inline', got ${describe(mode)}`,
        "write hint(x, 'materialize') or hint(x, 'inline')",
      )
    return ev.emit1('hint', [tensorArg(ev, args, 0, call, 'hint')], { mode })
  },
  dsl: (ev, args, call) => {
    const f = ev.arg(args, 0, call, 'dsl')
    if (!(f instanceof Closure))
      fail('D109', call, `dsl(…) wraps a function, got ${describe(f)}`, 'write dsl((x: Mat) => …)')
    return f
  },
  ...SHAPE_OPS,
  ...LAMBDA_OPS,
  ...RANDOM_OPS,
  ...AD_OPS,
  ...TREE_OPS,
}

/** Names usable as methods on tensors (`x.name(...)`) besides the properties below. */
const NOT_METHODS = new Set([
  'dsl',
  'concat',
  'stack',
  'iota',
  'eye',
  'zeros',
  'ones',
  'full',
  'generate',
  'randomKey',
  'zipWith',
  'where',
  'less',
  'lessEqual',
  'greater',
  'greaterEqual',
  'equal',
  'notEqual',
  'grad',
  'valueAndGrad',
  'vjp',
  'customVjp',
  'hint',
  'treeMap',
  'treeLeaves',
  'rows',
  'cols',
  'zerosLike',
  'onesLike',
  'foldIn',
  'splitKey',
  'randomNormal',
  'randomUniform',
  'randint',
])

export function builtinOp(ev: Evaluator, name: string): Builtin | undefined {
  const op = OPS[name]
  return op ? new Builtin(name, (args, call) => op(ev, args, call)) : undefined
}

export const builtinNames = (): string[] => Object.keys(OPS)
export const methodNames = (): string[] => Object.keys(OPS).filter((n) => !NOT_METHODS.has(n))

/** Properties of tensors, read with no call: x.shape, x.T. */
const TENSOR_PROPERTIES = ['shape', 'rank', 'ndim', 'size', 'dtype', 'T']

export function methodOf(ev: Evaluator, recv: Tracer | ScalarSym, name: string, node: Node): Value {
  if (recv instanceof ScalarSym)
    return fail(
      'D110',
      node,
      `lambda arguments are numbers: they have no property '${name}'`,
      'use operators and Math.* inside lambdas',
    )
  switch (name) {
    case 'shape':
      return [...recv.shape]
    case 'rank':
    case 'ndim':
      return recv.shape.length
    case 'size':
      return sizeOf(recv.shape)
    case 'dtype':
      return recv.dtype
    case 'T':
      return recv.shape.length < 2
        ? recv
        : ev.emit1('transpose', [recv], {
            perm: [...recv.shape.keys()].map((i, _, a) => (i >= a.length - 2 ? 2 * a.length - 3 - i : i)),
          })
  }
  const op = OPS[name]
  if (!op || NOT_METHODS.has(name))
    return fail(
      'D106',
      node,
      `tensors have no method '${name}'`,
      `${didYouMean(name, [...methodNames(), ...TENSOR_PROPERTIES])}(the tensor methods are listed in docs/language.md)`,
    )
  return new Builtin(`Tensor.${name}`, (args, call) => op(ev, [recv, ...args], call))
}
