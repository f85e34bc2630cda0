/**
 * Reading the arguments of DSL operations: tensors, static numbers, dtypes and options objects.
 * A leaf module: the operation tables (builtins, shapeOps, lambdaOps, randomOps, …) all import it,
 * and it imports none of them, so any frontend module can be loaded first.
 */
import type { Node } from 'ts-morph'
import type { DType } from '../ir/types.js'
import { fail } from './diagnostics.js'
import { Record_, Tracer, describe, type Value } from './values.js'
import { tracerOf } from './tensorOps.js'
import type { Evaluator } from './evaluate.js'

/** A DSL operation: evaluated arguments in, a value (or emitted equations) out. */
export type Op = (ev: Evaluator, args: Value[], call: Node) => Value

export function tensorArg(ev: Evaluator, args: Value[], i: number, call: Node, what: string): Tracer {
  const v = ev.arg(args, i, call, what)
  if (v instanceof Tracer) return v
  if (typeof v === 'number' || typeof v === 'boolean') return tracerOf(v)
  return fail('D109', call, `${what}: argument ${i + 1} should be a tensor, got ${describe(v)}`, 'pass a tensor')
}

export const optNumber = (ev: Evaluator, v: Value, call: Node, what: string, dflt: number): number =>
  v === undefined ? dflt : ev.staticNumber(v, call, what)
export const optBool = (v: Value, dflt: boolean): boolean => (v === undefined ? dflt : !!v)

export function dtypeArg(v: Value, call: Node, dflt: DType): DType {
  if (v === undefined) return dflt
  if (v === 'f32' || v === 'i32' || v === 'bool') return v
  return fail('D109', call, `unknown dtype ${describe(v)}`, "use 'f32', 'i32' or 'bool'")
}

/** Read a static options object such as { squared: true }. */
export function options(v: Value, call: Node, allowed: string[]): Map<string, Value> {
  if (v === undefined) return new Map()
  if (!(v instanceof Record_))
    return fail('D109', call, `expected an options object, got ${describe(v)}`, `pass { ${allowed.join(', ')} }`)
  for (const k of v.fields.keys())
    if (!allowed.includes(k)) fail('D109', call, `unknown option '${k}'`, `the options are ${allowed.join(', ')}`)
  return v.fields
}
