/** Higher-order combinators over scalar lambdas: map, zipWith, generate, reduce. */
import type { Node } from 'ts-morph'
import { broadcastShapes, normAxis } from '../ir/shape.js'
import type { ScalarExpr } from '../ir/scalar.js'
import { fail } from './diagnostics.js'
import { Tracer, type Value } from './values.js'
import { broadcastTo } from './tensorOps.js'
import { tensorArg, type Op } from './args.js'
import type { Evaluator } from './evaluate.js'

const leaf = (i: number, t: Tracer): ScalarExpr => ({ k: 'in', i, dtype: t.dtype })

/** Apply a lambda elementwise to tensors broadcast to one shape. */
function mapOver(ev: Evaluator, tensors: Tracer[], fn: Value, call: Node): Tracer {
  const shape = ev.checked(() => broadcastShapes(tensors.map((t) => t.shape)))
  const ins = tensors.map((t) => (t.shape.length === 0 ? t : broadcastTo(ev, t, shape)))
  const { body, captures } = ev.lowerLambda(
    fn,
    ins.map((t, i) => leaf(i, t)),
    ins.length,
    call,
  )
  return ev.emit1('map', [...ins, ...captures], { shape, body })
}

export const LAMBDA_OPS: Record<string, Op> = {
  /** map(x, v => …) */
  map: (ev, args, call) => mapOver(ev, [tensorArg(ev, args, 0, call, 'map')], ev.arg(args, 1, call, 'map'), call),
  /** zipWith(a, b, …, (x, y, …) => …): the lambda comes last. */
  zipWith: (ev, args, call) => {
    if (args.length < 3)
      fail('D109', call, 'zipWith takes two or more tensors and a lambda', 'write zipWith(a, b, (x, y) => …)')
    const tensors = args.slice(0, -1).map((_, i) => tensorArg(ev, args, i, call, 'zipWith'))
    return mapOver(ev, tensors, args[args.length - 1], call)
  },
  /** generate(shape, (i, j, …) => …): the lambda receives integer indices. */
  generate: (ev, args, call) => {
    const shape = ev.staticShape(ev.arg(args, 0, call, 'generate'), call)
    const idx = shape.map((_, axis): ScalarExpr => ({ k: 'idx', axis, dtype: 'i32' }))
    const { body, captures } = ev.lowerLambda(ev.arg(args, 1, call, 'generate'), idx, 0, call)
    return ev.emit1('map', captures, { shape, body })
  },
  /** reduce(x, axis, (acc, v) => …, init): a left fold along one axis. */
  reduce: (ev, args, call) => {
    const x = tensorArg(ev, args, 0, call, 'reduce')
    const axis = ev.checked(() =>
      normAxis(ev.staticNumber(ev.arg(args, 1, call, 'reduce'), call, 'axis'), x.shape.length),
    )
    const init = ev.staticNumber(ev.arg(args, 3, call, 'reduce'), call, 'the initial value')
    const accType = x.dtype === 'i32' && Number.isInteger(init) ? 'i32' : 'f32'
    const { body, captures } = ev.lowerLambda(
      ev.arg(args, 2, call, 'reduce'),
      [{ k: 'in', i: 0, dtype: accType }, leaf(1, x)],
      2,
      call,
    )
    return ev.emit1('reduce', [x, ...captures], { axis, init, body })
  },
}
