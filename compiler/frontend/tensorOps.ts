/**
 * Emitting L1 from frontend values: the shared helpers behind operators, Math.* and the DSL
 * operations. Static numbers fold at compile time; values inside scalar lambdas build scalar
 * expressions; tensors emit equations (with explicit casts and broadcasts).
 */
import type { Node } from 'ts-morph'
import type { Atom, DType } from '../ir/types.js'
import { lit } from '../ir/builder.js'
import { BINARY, UNARY, isBinary, isUnary, type BinaryName, type UnaryName } from '../ir/ops.js'
import { ShapeError, broadcastShapes, normAxis, sameShape, showShape, sizeOf } from '../ir/shape.js'
import { sBinary, sConst, sUnary, type ScalarExpr } from '../ir/scalar.js'
import { fail } from './diagnostics.js'
import { ScalarSym, Tracer, describe, type Value } from './values.js'
import type { Evaluator } from './evaluate.js'

/** Ops whose operands are converted to float first (their result is float anyway). */
const FLOAT_OPS = new Set(['div', 'pow', 'atan2'])
const LOGICAL = new Set(['and', 'or'])
const COMPARE = new Set(['lt', 'le', 'gt', 'ge', 'eq', 'ne'])

export type Operand = Tracer | number | boolean

export function asOperand(v: Value, node: Node, what: string): Operand {
  if (v instanceof Tracer || typeof v === 'number' || typeof v === 'boolean') return v
  return fail('D109', node, `${what} expects a tensor or a number, got ${describe(v)}`, 'pass a tensor or a number')
}

export function tracerOf(v: Operand, dtype: DType = 'f32'): Tracer {
  if (v instanceof Tracer) return v
  return new Tracer(lit(+v, typeof v === 'boolean' ? 'bool' : dtype))
}

/** Convert a tensor to `dtype`, emitting a cast when it differs. */
export function cast(ev: Evaluator, t: Tracer, dtype: DType): Tracer {
  if (t.dtype === dtype) return t
  if (t.atom.kind === 'lit')
    return new Tracer(
      lit(dtype === 'i32' ? Math.trunc(t.atom.value) : dtype === 'bool' ? +!!t.atom.value : t.atom.value, dtype),
    )
  return ev.emit1('cast', [t], { dtype })
}

export function broadcastTo(ev: Evaluator, t: Tracer, shape: number[]): Tracer {
  if (sameShape(t.shape, shape)) return t
  return ev.emit1('broadcast', [t], { shape })
}

const weakDType = (n: number | boolean, other: DType): DType =>
  typeof n === 'boolean'
    ? 'bool'
    : other === 'bool'
      ? Number.isInteger(n)
        ? 'i32'
        : 'f32'
      : other === 'i32' && !Number.isInteger(n)
        ? 'f32'
        : other

/** The dtype both operands of `op` are brought to before the op runs. */
function operandDType(op: string, a: Operand, b: Operand): DType {
  const da = a instanceof Tracer ? a.dtype : undefined
  const db = b instanceof Tracer ? b.dtype : undefined
  const ta = da ?? weakDType(a as number | boolean, db ?? 'f32')
  const tb = db ?? weakDType(b as number | boolean, da ?? 'f32')
  if (LOGICAL.has(op)) return 'bool'
  if (FLOAT_OPS.has(op)) return 'f32'
  if (ta === tb) return ta === 'bool' && !COMPARE.has(op) ? 'i32' : ta
  return ta === 'f32' || tb === 'f32' ? 'f32' : 'i32'
}

/** Elementwise binary op with NumPy broadcasting on tensors. */
export function tensorBinary(ev: Evaluator, op: BinaryName, a: Operand, b: Operand): Tracer {
  const dt = operandDType(op, a, b)
  const ta = cast(ev, tracerOf(a, dt), dt)
  const tb = cast(ev, tracerOf(b, dt), dt)
  const shape = ev.checked(() => broadcastShapes([ta.shape, tb.shape]))
  const fit = (t: Tracer) => (t.shape.length === 0 ? t : broadcastTo(ev, t, shape))
  return ev.emit1(op, [fit(ta), fit(tb)])
}

export function tensorUnary(ev: Evaluator, op: UnaryName, a: Tracer): Tracer {
  const needsFloat = UNARY[op].dtype('i32') === 'f32'
  const x = op === 'not' ? cast(ev, a, 'bool') : needsFloat ? cast(ev, a, 'f32') : a
  return ev.emit1(op, [x])
}

/** Turn a value into a scalar expression inside a lambda body (capturing outer scalars). */
export function scalarOf(ev: Evaluator, v: Value, node: Node): ScalarExpr {
  if (v instanceof ScalarSym) return v.expr
  if (typeof v === 'number') return sConst(v)
  if (typeof v === 'boolean') return sConst(+v, 'bool')
  if (v instanceof Tracer) return ev.captureScalar(v, node)
  return fail(
    'D110',
    node,
    `a scalar lambda cannot use ${describe(v)}`,
    'compute with numbers inside map/zipWith/generate/reduce lambdas',
  )
}

/** An operator name from the frontend's tables, checked against the scalar operations. */
function checkedName<N extends string>(name: string, known: (n: string) => n is N): N {
  if (!known(name)) throw new Error(`internal: '${name}' is not a scalar operation`)
  return name
}

const isScalarWorld = (vals: Value[]) => vals.some((v) => v instanceof ScalarSym)

/** `a op b` for any frontend values: folds, builds scalar expressions or emits L1. */
export function applyBinary(ev: Evaluator, name: string, a: Value, b: Value, node: Node): Value {
  const op = checkedName(name, isBinary)
  const o = BINARY[op]
  if ((typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean')) {
    const r = o.f(+a, +b)
    return o.dtype('f32', 'f32') === 'bool' ? !!r : r
  }
  if (isScalarWorld([a, b])) return new ScalarSym(sBinary(op, scalarOf(ev, a, node), scalarOf(ev, b, node)))
  return tensorBinary(ev, op, asOperand(a, node, op), asOperand(b, node, op))
}

export function applyUnary(ev: Evaluator, name: string, a: Value, node: Node): Value {
  const op = checkedName(name, isUnary)
  if (typeof a === 'number' || typeof a === 'boolean') {
    const r = UNARY[op].f(+a)
    return op === 'not' ? !!r : r
  }
  if (a instanceof ScalarSym) return new ScalarSym(sUnary(op, a.expr))
  const t = asOperand(a, node, op)
  return tensorUnary(ev, op, t as Tracer)
}

/** Axes argument: undefined = all axes; a number or a list; normalized and sorted. */
export function axesOf(ev: Evaluator, axis: Value, rank: number, node: Node): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i)
  const list = Array.isArray(axis) ? axis : [axis]
  return list
    .map((a) => {
      const n = ev.staticNumber(a, node, 'axis')
      return ev.checked(() => normAxis(n, rank))
    })
    .sort((x, y) => x - y)
}

export function reduceOp(
  ev: Evaluator,
  prim: 'reduce_sum' | 'reduce_max' | 'reduce_min',
  x: Tracer,
  axes: number[],
  keepdims: boolean,
): Tracer {
  const src = prim === 'reduce_sum' && x.dtype === 'bool' ? cast(ev, x, 'i32') : x
  const r = ev.emit1(prim, [src], { axes })
  if (!keepdims) return r
  return reshape(
    ev,
    r,
    x.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
  )
}

export function reshape(ev: Evaluator, x: Tracer, shape: number[]): Tracer {
  const known = shape.filter((d) => d !== -1)
  if (shape.filter((d) => d === -1).length > 1)
    ev.checked(() => {
      throw new ShapeError(`reshape to ${showShape(shape)}: at most one -1`, 'give all sizes but one')
    })
  const inferred = shape.map((d) => (d === -1 ? sizeOf(x.shape) / Math.max(1, sizeOf(known)) : d))
  if (sameShape(inferred, x.shape)) return x
  return ev.emit1('reshape', [x], { shape: inferred })
}

export const isLit = (t: Tracer): t is Tracer & { atom: Atom & { kind: 'lit' } } => t.atom.kind === 'lit'
