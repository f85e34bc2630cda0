/** Shape, movement and creation operations of the DSL. */
import type { Node } from 'ts-morph'
import { ShapeError, normAxis, showShape } from '../ir/shape.js'
import { fail } from './diagnostics.js'
import { Tracer, describe, type Value } from './values.js'
import { broadcastTo, cast, reshape, tensorBinary } from './tensorOps.js'
import { dtypeArg, optNumber, tensorArg, type Op } from './args.js'
import type { Evaluator } from './evaluate.js'

const shapeError = (ev: Evaluator, message: string, fix: string): never =>
  ev.checked(() => {
    throw new ShapeError(message, fix)
  })

function tensorList(ev: Evaluator, v: Value, call: Node, what: string): Tracer[] {
  if (!Array.isArray(v) || v.length === 0)
    return fail(
      'D109',
      call,
      `${what} takes a non-empty array of tensors, got ${describe(v)}`,
      `write ${what}([a, b], axis)`,
    )
  return v.map((_, i) => tensorArg(ev, v, i, call, what))
}

/** Bring tensors to one dtype (the widest) before concatenating them. */
function unifyDTypes(ev: Evaluator, ts: Tracer[]): Tracer[] {
  const dt = ts.some((t) => t.dtype === 'f32') ? 'f32' : ts.some((t) => t.dtype === 'i32') ? 'i32' : 'bool'
  return ts.map((t) => cast(ev, t, dt))
}

const concat: Op = (ev, args, call) => {
  const ts = unifyDTypes(ev, tensorList(ev, ev.arg(args, 0, call, 'concat'), call, 'concat'))
  const axis = ev.checked(() => normAxis(optNumber(ev, args[1], call, 'axis', 0), ts[0].shape.length))
  return ts.length === 1 ? ts[0] : ev.emit1('concat', ts, { axis })
}

const stack: Op = (ev, args, call) => {
  const ts = tensorList(ev, ev.arg(args, 0, call, 'stack'), call, 'stack')
  const axis = ev.checked(() => normAxis(optNumber(ev, args[1], call, 'axis', 0), ts[0].shape.length + 1))
  const expanded = ts.map((t) => reshape(ev, t, [...t.shape.slice(0, axis), 1, ...t.shape.slice(axis)]))
  return concat(ev, [expanded, axis], call)
}

/** numpy.split: a count of equal parts, or a list of split points. */
const split: Op = (ev, args, call) => {
  const x = tensorArg(ev, args, 0, call, 'split')
  const spec = ev.arg(args, 1, call, 'split')
  const axis = ev.checked(() => normAxis(optNumber(ev, args[2], call, 'axis', 0), x.shape.length))
  const n = x.shape[axis]
  let points: number[]
  if (Array.isArray(spec)) points = spec.map((p) => ev.staticNumber(p, call, 'a split point'))
  else {
    const parts = ev.staticNumber(spec, call, 'the number of parts')
    if (!Number.isInteger(parts) || parts <= 0 || n % parts !== 0)
      shapeError(
        ev,
        `split: axis ${axis} of size ${n} does not divide into ${parts} equal parts`,
        'pass split points instead: split(x, [k], axis)',
      )
    points = Array.from({ length: parts - 1 }, (_, i) => ((i + 1) * n) / parts)
  }
  const bounds = [0, ...points, n]
  for (let i = 1; i < bounds.length; i++)
    if (bounds[i] < bounds[i - 1] || bounds[i] > n)
      shapeError(
        ev,
        `split points ${showShape(points)} are not increasing within [0, ${n}]`,
        'give increasing split points inside the axis',
      )
  return bounds.slice(1).map((end, i) => sliceAxis(ev, x, axis, bounds[i], end))
}

function sliceAxis(ev: Evaluator, x: Tracer, axis: number, start: number, end: number): Tracer {
  if (start === 0 && end === x.shape[axis]) return x
  const s = x.shape.map(() => 0)
  const size = [...x.shape]
  s[axis] = start
  size[axis] = end - start
  return ev.emit1('slice', [x], { start: s, size })
}

/** slice(x, axis, start, end?): Python-style negative bounds count from the end. */
const slice: Op = (ev, args, call) => {
  const x = tensorArg(ev, args, 0, call, 'slice')
  const axis = ev.checked(() => normAxis(ev.staticNumber(ev.arg(args, 1, call, 'slice'), call, 'axis'), x.shape.length))
  const n = x.shape[axis]
  const norm = (v: number) => (v < 0 ? v + n : v)
  const start = norm(ev.staticNumber(ev.arg(args, 2, call, 'slice'), call, 'start'))
  const end = norm(optNumber(ev, args[3], call, 'end', n))
  if (!(0 <= start && start <= end && end <= n))
    shapeError(ev, `slice [${start}, ${end}) is outside axis ${axis} of size ${n}`, `keep 0 ≤ start ≤ end ≤ ${n}`)
  return sliceAxis(ev, x, axis, start, end)
}

const transpose: Op = (ev, args, call) => {
  const x = tensorArg(ev, args, 0, call, 'transpose')
  const perm = args[1] === undefined ? [...x.shape.keys()].reverse() : ev.staticShape(args[1], call, 'perm')
  return ev.emit1('transpose', [x], { perm: perm.map((p) => ev.checked(() => normAxis(p, x.shape.length))) })
}

const squeeze: Op = (ev, args, call) => {
  const x = tensorArg(ev, args, 0, call, 'squeeze')
  if (args[1] === undefined)
    return reshape(
      ev,
      x,
      x.shape.filter((d) => d !== 1),
    )
  const axis = ev.checked(() => normAxis(ev.staticNumber(args[1], call, 'axis'), x.shape.length))
  if (x.shape[axis] !== 1)
    shapeError(ev, `squeeze: axis ${axis} has size ${x.shape[axis]}, not 1`, 'squeeze only axes of size 1')
  return reshape(
    ev,
    x,
    x.shape.filter((_, i) => i !== axis),
  )
}

function creation(ev: Evaluator, shapeArg: Value, call: Node, value: number, dtypeV: Value) {
  return ev.emit1('full', [], { shape: ev.staticShape(shapeArg, call), value, dtype: dtypeArg(dtypeV, call, 'f32') })
}

export const SHAPE_OPS: Record<string, Op> = {
  reshape: (ev, args, call) =>
    reshape(ev, tensorArg(ev, args, 0, call, 'reshape'), ev.staticShape(ev.arg(args, 1, call, 'reshape'), call)),
  transpose,
  squeeze,
  expandDims: (ev, args, call) => {
    const x = tensorArg(ev, args, 0, call, 'expandDims')
    const axis = ev.checked(() =>
      normAxis(ev.staticNumber(ev.arg(args, 1, call, 'expandDims'), call, 'axis'), x.shape.length + 1),
    )
    return reshape(ev, x, [...x.shape.slice(0, axis), 1, ...x.shape.slice(axis)])
  },
  broadcastTo: (ev, args, call) => {
    const x = tensorArg(ev, args, 0, call, 'broadcastTo')
    return broadcastTo(ev, x, ev.staticShape(ev.arg(args, 1, call, 'broadcastTo'), call))
  },
  slice,
  concat,
  stack,
  split,
  gather: (ev, args, call) =>
    ev.emit1('gather', [tensorArg(ev, args, 0, call, 'gather'), tensorArg(ev, args, 1, call, 'gather')]),
  iota: (ev, args, call) => {
    const shape = ev.staticShape(ev.arg(args, 0, call, 'iota'), call)
    const axis = ev.checked(() => normAxis(optNumber(ev, args[1], call, 'axis', 0), shape.length))
    return ev.emit1('iota', [], { shape, axis, dtype: dtypeArg(args[2], call, 'i32') })
  },
  eye: (ev, args, call) => {
    const n = ev.staticNumber(ev.arg(args, 0, call, 'eye'), call, 'eye size')
    const m = optNumber(ev, args[1], call, 'eye columns', n)
    const rows = ev.emit1('iota', [], { shape: [n, m], axis: 0, dtype: 'i32' })
    const cols = ev.emit1('iota', [], { shape: [n, m], axis: 1, dtype: 'i32' })
    return cast(ev, tensorBinary(ev, 'eq', rows, cols), dtypeArg(args[2], call, 'f32'))
  },
  zeros: (ev, args, call) => creation(ev, ev.arg(args, 0, call, 'zeros'), call, 0, args[1]),
  ones: (ev, args, call) => creation(ev, ev.arg(args, 0, call, 'ones'), call, 1, args[1]),
  full: (ev, args, call) =>
    creation(
      ev,
      ev.arg(args, 0, call, 'full'),
      call,
      ev.staticNumber(ev.arg(args, 1, call, 'full'), call, 'fill value'),
      args[2],
    ),
  zerosLike: (ev, args, call) => {
    const x = tensorArg(ev, args, 0, call, 'zerosLike')
    return ev.emit1('full', [], { shape: x.shape, value: 0, dtype: x.dtype })
  },
  onesLike: (ev, args, call) => {
    const x = tensorArg(ev, args, 0, call, 'onesLike')
    return ev.emit1('full', [], { shape: x.shape, value: 1, dtype: x.dtype })
  },
  rows: (ev, args, call) => tensorArg(ev, args, 0, call, 'rows').shape[0],
  cols: (ev, args, call) => {
    const x = tensorArg(ev, args, 0, call, 'cols')
    return x.shape[x.shape.length - 1]
  },
}
