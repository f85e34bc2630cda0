/** Counter-based random draws: keys are i32 scalars; the same key gives the same numbers everywhere. */
import { lit } from '../ir/builder.js'
import { fail } from './diagnostics.js'
import { Tracer } from './values.js'
import { cast } from './tensorOps.js'
import { optNumber, tensorArg, type Op } from './args.js'

const keyArg: Op = (ev, args, call) => {
  const k = tensorArg(ev, args, 0, call, 'a random draw')
  if (k.shape.length !== 0 || k.dtype !== 'i32')
    fail(
      'D109',
      call,
      `a key is an i32 scalar, got ${k.dtype}[${k.shape}]`,
      'make keys with randomKey(seed), foldIn or splitKey',
    )
  return k
}

export const RANDOM_OPS: Record<string, Op> = {
  randomKey: (ev, args, call) => {
    const seed = ev.arg(args, 0, call, 'randomKey')
    if (typeof seed === 'number') return new Tracer(lit(seed | 0, 'i32'))
    return cast(ev, tensorArg(ev, args, 0, call, 'randomKey'), 'i32')
  },
  foldIn: (ev, args, call) =>
    ev.emit1('fold_in', [keyArg(ev, args, call) as Tracer, cast(ev, tensorArg(ev, args, 1, call, 'foldIn'), 'i32')]),
  splitKey: (ev, args, call) => {
    const key = keyArg(ev, args, call) as Tracer
    const n = optNumber(ev, args[1], call, 'the number of keys', 2)
    return Array.from({ length: n }, (_, i) => ev.emit1('fold_in', [key, new Tracer(lit(i, 'i32'))]))
  },
  randomNormal: (ev, args, call) =>
    ev.emit1('random_normal', [keyArg(ev, args, call) as Tracer], {
      shape: ev.staticShape(ev.arg(args, 1, call, 'randomNormal'), call),
    }),
  randomUniform: (ev, args, call) => {
    const u = ev.emit1('random_uniform', [keyArg(ev, args, call) as Tracer], {
      shape: ev.staticShape(ev.arg(args, 1, call, 'randomUniform'), call),
    })
    const lo = optNumber(ev, args[2], call, 'lo', 0)
    const hi = optNumber(ev, args[3], call, 'hi', 1)
    if (lo === 0 && hi === 1) return u
    return ev.emit1('add', [ev.emit1('mul', [u, new Tracer(lit(hi - lo))]), new Tracer(lit(lo))])
  },
  randint: (ev, args, call) =>
    ev.emit1('random_int', [keyArg(ev, args, call) as Tracer], {
      shape: ev.staticShape(ev.arg(args, 1, call, 'randint'), call),
      lo: ev.staticNumber(ev.arg(args, 2, call, 'randint'), call, 'lo'),
      hi: ev.staticNumber(ev.arg(args, 3, call, 'randint'), call, 'hi'),
    }),
}
