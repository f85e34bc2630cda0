/**
 * Pytree maps inside DSL code: `treeMap(f, tree, ...others)` applies `f` to every tensor leaf of
 * `tree` together with the leaves at the same place in `others` (same structure); non-tensor
 * values of `tree` are kept. `treeLeaves(tree)` lists the tensor leaves in order.
 */
import type { Node } from 'ts-morph'
import { fail } from './diagnostics.js'
import { Builtin, Closure, Record_, Tracer, describe, type Value } from './values.js'
import type { Evaluator } from './evaluate.js'
import type { Op } from './args.js'
import { leavesOf } from './adOps.js'

function childOf(v: Value, key: string | number, call: Node, at: string): Value {
  if (typeof key === 'number' && Array.isArray(v) && key < v.length) return v[key]
  if (typeof key === 'string' && v instanceof Record_ && v.fields.has(key)) return v.fields.get(key)
  return fail(
    'D109',
    call,
    `treeMap: the trees differ at ${at || 'the root'}: ${describe(v)} has no entry '${key}'`,
    'pass trees of the same structure (e.g. params and grads)',
  )
}

export const TREE_OPS: Record<string, Op> = {
  treeMap: (ev: Evaluator, args, call) => {
    const [f, tree, ...others] = args
    if (!(f instanceof Closure || f instanceof Builtin))
      fail(
        'D109',
        call,
        `treeMap takes a function first, got ${describe(f)}`,
        'write treeMap((p, g) => p.sub(g), params, grads)',
      )
    const go = (t: Value, rest: Value[], at: string): Value => {
      if (t instanceof Tracer) return ev.callValue(f, [t, ...rest], call)
      if (Array.isArray(t))
        return t.map((x, i) =>
          go(
            x,
            rest.map((o) => childOf(o, i, call, at)),
            `${at}[${i}]`,
          ),
        )
      if (t instanceof Record_)
        return new Record_(
          new Map(
            [...t.fields].map(([k, x]) => [
              k,
              go(
                x,
                rest.map((o) => childOf(o, k, call, at)),
                `${at}.${k}`,
              ),
            ]),
          ),
        )
      return t
    }
    return go(tree, others, '')
  },
  treeLeaves: (ev, args, call) => leavesOf(ev.arg(args, 0, call, 'treeLeaves')),
}
