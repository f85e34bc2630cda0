/**
 * grad, valueAndGrad, vjp and customVjp inside DSL code. The function is traced inline, then
 * the backprop transform differentiates the equations it produced (so grad of grad works:
 * the second pass differentiates the first pass's equations).
 */
import type { Node } from 'ts-morph'
import type { Atom } from '../ir/types.js'
import { lit } from '../ir/builder.js'
import { backprop, NoGradientError, type CustomRegion } from '../transforms/backprop.js'
import { fail } from './diagnostics.js'
import { Builtin, Record_, Tracer, describe, type Value } from './values.js'
import type { Evaluator } from './evaluate.js'
import type { Op } from './args.js'

/** Leaves of a pytree value, in order. */
export function leavesOf(v: Value, out: Tracer[] = []): Tracer[] {
  if (v instanceof Tracer) out.push(v)
  else if (Array.isArray(v)) v.forEach((x) => leavesOf(x, out))
  else if (v instanceof Record_) for (const x of v.fields.values()) leavesOf(x, out)
  return out
}

/** Rebuild a pytree with new leaves (non-tensor leaves kept). */
export function withLeaves(v: Value, leaves: Value[], k = { i: 0 }): Value {
  if (v instanceof Tracer) return leaves[k.i++]
  if (Array.isArray(v)) return v.map((x) => withLeaves(x, leaves, k))
  if (v instanceof Record_)
    return new Record_(new Map([...v.fields].map(([key, x]) => [key, withLeaves(x, leaves, k)])))
  return v
}

/** Fresh copies of the float leaves of a value, so each differentiated argument is its own variable. */
function freshArg(ev: Evaluator, v: Value, call: Node): Value {
  if (typeof v === 'number') return ev.emit1('copy', [new Tracer(lit(v))])
  const leaves = leavesOf(v)
  if (!leaves.length)
    fail(
      'D109',
      call,
      `cannot differentiate with respect to ${describe(v)}`,
      'differentiate with respect to tensors or pytrees of tensors',
    )
  return withLeaves(
    v,
    leaves.map((t) => (t.dtype === 'f32' ? ev.emit1('copy', [t]) : t)),
  )
}

function runBackprop(
  ev: Evaluator,
  start: number,
  end: number,
  wrt: Tracer[],
  seeds: { atom: Atom; ct: Atom }[],
  call: Node,
) {
  try {
    const ids = new Set(wrt.filter((t) => t.atom.kind === 'var').map((t) => (t.atom as { id: number }).id))
    return backprop(ev.builder, start, ev.builder.eqns.slice(start, end), ids, seeds, ev.customRegions)
  } catch (e) {
    if (e instanceof NoGradientError)
      fail(
        'D109',
        call,
        `cannot differentiate: '${e.prim}'${e.loc ? ` (from line ${e.loc.line})` : ''} has no gradient rule`,
        'wrap that computation in stopGradient, or give it an adjoint with customVjp',
      )
    throw e
  }
}

/** The cotangent of each leaf (zeros where nothing flowed). */
function cotangentTree(ev: Evaluator, arg: Value, cts: Map<number, Atom>): Value {
  return withLeaves(
    arg,
    leavesOf(arg).map((t) => {
      const ct = t.atom.kind === 'var' ? cts.get(t.atom.id) : undefined
      return ct
        ? new Tracer(ct)
        : ev.emit1('full', [], { shape: t.shape, value: 0, dtype: t.dtype === 'f32' ? 'f32' : t.dtype })
    }),
  )
}

function argnumsOf(ev: Evaluator, v: Value, call: Node): { list: number[]; single: boolean } {
  if (v === undefined) return { list: [0], single: true }
  if (Array.isArray(v)) return { list: v.map((x) => ev.staticNumber(x, call, 'argnums')), single: false }
  return { list: [ev.staticNumber(v, call, 'argnums')], single: true }
}

function valueAndGradients(ev: Evaluator, f: Value, argnums: Value, args: Value[], call: Node): [Value, Value] {
  const { list, single } = argnumsOf(ev, argnums, call)
  for (const i of list)
    if (i < 0 || i >= args.length)
      fail(
        'D109',
        call,
        `argnums ${i} is out of range for ${args.length} argument(s)`,
        'differentiate with respect to an existing argument',
      )
  const traced = args.map((a, i) => (list.includes(i) ? freshArg(ev, a, call) : a))
  const start = ev.builder.eqns.length
  const out = ev.callValue(f, traced, call)
  if (!(out instanceof Tracer) || out.shape.length !== 0 || out.dtype !== 'f32')
    fail(
      'D109',
      call,
      `grad needs a function returning an f32 scalar, got ${describe(out)}`,
      'reduce the loss to a scalar (e.g. .mean()), or use vjp for vector outputs',
    )
  const wrt = list.flatMap((i) => leavesOf(traced[i]))
  const cts = runBackprop(ev, start, ev.builder.eqns.length, wrt, [{ atom: out.atom, ct: lit(1) }], call)
  const grads = list.map((i) => cotangentTree(ev, traced[i], cts))
  return [out, single ? grads[0] : grads]
}

const fnArg = (ev: Evaluator, args: Value[], call: Node, what: string): Value => ev.arg(args, 0, call, what)

export const AD_OPS: Record<string, Op> = {
  /** grad(f, argnums?) → a function returning ∂f/∂(its argnums-th argument). */
  grad: (ev, args, call) => {
    const f = fnArg(ev, args, call, 'grad')
    return new Builtin('grad(f)', (xs, at) => valueAndGradients(ev, f, args[1], xs, at)[1])
  },
  /** valueAndGrad(f, argnums?) → a function returning [f(…), ∂f/∂(…)]. */
  valueAndGrad: (ev, args, call) => {
    const f = fnArg(ev, args, call, 'valueAndGrad')
    return new Builtin('valueAndGrad(f)', (xs, at) => valueAndGradients(ev, f, args[1], xs, at))
  },
  /** vjp(f, ...primals) → [f(...primals), ct => cotangents of every primal]. */
  vjp: (ev, args, call) => {
    const f = fnArg(ev, args, call, 'vjp')
    const primals = args.slice(1).map((a) => freshArg(ev, a, call))
    const start = ev.builder.eqns.length
    const out = ev.callValue(f, primals, call)
    const end = ev.builder.eqns.length
    const pullback = new Builtin('vjp pullback', (cts, at) => {
      const outs = leavesOf(out)
      const seeds = leavesOf(ev.arg(cts, 0, at, 'the pullback'))
      if (seeds.length !== outs.length)
        fail(
          'D109',
          at,
          `the pullback takes a cotangent shaped like the output (${outs.length} tensors), got ${seeds.length}`,
          'pass one cotangent per output tensor',
        )
      const r = runBackprop(
        ev,
        start,
        end,
        primals.flatMap((p) => leavesOf(p)),
        outs.map((o, i) => ({ atom: o.atom, ct: seeds[i].atom })),
        at,
      )
      return primals.map((p) => cotangentTree(ev, p, r))
    })
    return [out, pullback]
  },
  /** customVjp(f, bwd): f with a user adjoint; bwd(...args, ctOut) returns one cotangent per argument. */
  customVjp: (ev, args, call) => {
    const f = fnArg(ev, args, call, 'customVjp')
    const bwd = ev.arg(args, 1, call, 'customVjp')
    return new Builtin('customVjp(f)', (xs, at) => {
      const start = ev.builder.eqns.length
      const out = ev.callValue(f, xs, at)
      const region: CustomRegion = {
        start,
        end: ev.builder.eqns.length,
        inputs: xs.flatMap((x) => leavesOf(x)).map((t) => t.atom),
        outputs: leavesOf(out).map((t) => t.atom),
        adjoint: (outCts) => {
          const ctOut = withLeaves(
            out,
            leavesOf(out).map((t, i) =>
              outCts[i] ? new Tracer(outCts[i]!) : ev.emit1('full', [], { shape: t.shape, value: 0, dtype: 'f32' }),
            ),
          )
          const r = ev.callValue(bwd, [...xs, ctOut], at)
          if (!Array.isArray(r) || r.length !== xs.length)
            fail(
              'D109',
              at,
              `the customVjp adjoint must return an array with one cotangent per argument (${xs.length})`,
              'return [ctX, ctY, …]',
            )
          return r.flatMap((ct, i) => {
            const want = leavesOf(xs[i])
            const got = leavesOf(ct)
            if (got.length !== want.length)
              fail(
                'D109',
                at,
                `the adjoint's cotangent ${i} does not match argument ${i}`,
                'return cotangents shaped like the arguments',
              )
            got.forEach((g, j) => {
              if (g.shape.join() !== want[j].shape.join())
                fail(
                  'D201',
                  at,
                  `the adjoint's cotangent has shape [${g.shape}], argument has [${want[j].shape}]`,
                  'return cotangents shaped like the arguments',
                )
            })
            return got.map((g) => g.atom)
          })
        },
      }
      if (region.end > region.start) ev.customRegions.push(region)
      return out
    })
  },
}
