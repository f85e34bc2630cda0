/** Globals visible to DSL code: Math (folded, lowered or lambda-lowered), constants, and the DSL package. */
import type { Node } from 'ts-morph'
import { fail } from './diagnostics.js'
import { Builtin, Record_, describe, type Value } from './values.js'
import { applyBinary, applyUnary } from './tensorOps.js'
import type { Evaluator } from './evaluate.js'
import { builtinNames, builtinOp } from './builtins.js'
import { nearest } from './suggest.js'

const MATH_UNARY: Record<string, string> = Object.fromEntries(
  [
    'abs',
    'sign',
    'floor',
    'ceil',
    'round',
    'trunc',
    'exp',
    'expm1',
    'log',
    'log1p',
    'log2',
    'log10',
    'sqrt',
    'cbrt',
    'sin',
    'cos',
    'tan',
    'asin',
    'acos',
    'atan',
    'sinh',
    'cosh',
    'tanh',
    'asinh',
    'acosh',
    'atanh',
  ].map((n) => [n, n]),
)
const MATH_CONSTANTS = ['PI', 'E', 'LN2', 'LN10', 'LOG2E', 'LOG10E', 'SQRT2', 'SQRT1_2'] as const

const IMPURE_GLOBALS = new Set([
  'console',
  'process',
  'fetch',
  'Date',
  'require',
  'setTimeout',
  'setInterval',
  'performance',
  'globalThis',
  'window',
  'document',
  'crypto',
  'localStorage',
  'XMLHttpRequest',
  'alert',
  'prompt',
  'Buffer',
  'queueMicrotask',
  'structuredClone',
])

function mathNamespace(ev: Evaluator): Record_ {
  const fields = new Map<string, Value>()
  for (const [name, op] of Object.entries(MATH_UNARY))
    fields.set(
      name,
      new Builtin(`Math.${name}`, (args, call) => applyUnary(ev, op, ev.arg(args, 0, call, `Math.${name}`), call)),
    )
  fields.set(
    'pow',
    new Builtin('Math.pow', (args, call) => applyBinary(ev, 'pow', ev.arg(args, 0, call), ev.arg(args, 1, call), call)),
  )
  fields.set(
    'atan2',
    new Builtin('Math.atan2', (args, call) =>
      applyBinary(ev, 'atan2', ev.arg(args, 0, call), ev.arg(args, 1, call), call),
    ),
  )
  for (const op of ['max', 'min'] as const)
    fields.set(
      op,
      new Builtin(`Math.${op}`, (args, call) => {
        if (args.length === 0)
          fail('D109', call, `Math.${op}() needs at least one argument`, 'pass the values to compare')
        return args.reduce((a, b) => applyBinary(ev, op, a, b, call))
      }),
    )
  fields.set(
    'hypot',
    new Builtin('Math.hypot', (args, call) =>
      applyUnary(
        ev,
        'sqrt',
        args.map((a) => applyBinary(ev, 'mul', a, a, call)).reduce((a, b) => applyBinary(ev, 'add', a, b, call), 0),
        call,
      ),
    ),
  )
  fields.set(
    'random',
    new Builtin('Math.random', (_a, call) =>
      fail(
        'D104',
        call,
        'Math.random() is impure: results would change between runs and backends',
        'draw from a key: randomUniform(key, shape)',
      ),
    ),
  )
  for (const c of MATH_CONSTANTS) fields.set(c, Math[c])
  return new Record_(fields)
}

/** Object.keys / values / entries / fromEntries over static plain objects (pytree nodes). */
function objectNamespace(): Record_ {
  const record = (v: Value, call: Node, what: string): Record_ =>
    v instanceof Record_
      ? v
      : fail('D109', call, `Object.${what} takes a plain object, got ${describe(v)}`, 'pass an object (a pytree node)')
  const fields = new Map<string, Value>([
    ['keys', new Builtin('Object.keys', (args, call) => [...record(args[0], call, 'keys').fields.keys()])],
    ['values', new Builtin('Object.values', (args, call) => [...record(args[0], call, 'values').fields.values()])],
    [
      'entries',
      new Builtin('Object.entries', (args, call) =>
        [...record(args[0], call, 'entries').fields].map(([k, v]) => [k, v]),
      ),
    ],
    [
      'fromEntries',
      new Builtin('Object.fromEntries', (args, call) => {
        const list = args[0]
        if (!Array.isArray(list))
          fail(
            'D109',
            call,
            `Object.fromEntries takes an array of [key, value] pairs, got ${describe(list)}`,
            'pass [[key, value], …]',
          )
        return new Record_(
          new Map(
            list.map((pair) => {
              if (!Array.isArray(pair) || typeof pair[0] !== 'string')
                fail('D109', call, 'Object.fromEntries needs [string, value] pairs', 'pass [[key, value], …]')
              return [pair[0] as string, pair[1]]
            }),
          ),
        )
      }),
    ],
  ])
  return new Record_(fields)
}

const GLOBAL_NAMES = ['Math', 'Object', 'Infinity', 'NaN', 'undefined']

/** A free name that no scope binds; `candidates` are the names in scope there, for suggestions. */
export function globalValue(ev: Evaluator, name: string, at: Node, candidates: () => string[]): Value {
  switch (name) {
    case 'Math':
      return mathNamespace(ev)
    case 'Object':
      return objectNamespace()
    case 'Infinity':
      return Infinity
    case 'NaN':
      return NaN
    case 'undefined':
      return undefined
  }
  if (name === 'eval' || name === 'Function')
    fail(
      'D104',
      at,
      `'${name}' runs code built while the program runs, which the compiler cannot see`,
      'write the computation as DSL code',
    )
  if (IMPURE_GLOBALS.has(name))
    fail(
      'D104',
      at,
      `'${name}' does I/O or depends on the environment`,
      'keep DSL functions pure: do this in host code',
    )
  if (builtinOp(ev, name))
    fail('D107', at, `'${name}' is not defined here`, `${name} is a DSL operation: import { ${name} } from 'drift-dsl'`)
  const inScope = nearest(name, [...candidates(), ...GLOBAL_NAMES])
  const op = inScope ? undefined : nearest(name, builtinNames())
  return fail(
    'D107',
    at,
    `'${name}' is not defined in DSL code`,
    inScope
      ? `did you mean ${inScope}? Or define it, import it from a DSL module, or pass it as a parameter`
      : op
        ? `did you mean ${op}? Import it: import { ${op} } from 'drift-dsl'`
        : 'define it, import it from a DSL module, or pass it as a parameter',
  )
}

/** A name imported from the DSL package. */
export function dslExport(ev: Evaluator, name: string, at: Node): Value {
  const op = builtinOp(ev, name)
  if (op) return op
  const near = nearest(name, builtinNames())
  if (near)
    fail(
      'D106',
      at,
      `'${name}' is not a DSL operation`,
      `did you mean ${near}? (the operations are listed in docs/language.md)`,
    )
  return fail(
    'D106',
    at,
    `'${name}' from the DSL package is host API, not a DSL operation`,
    'call it in host code, outside dsl(...) functions',
  )
}
