/** Methods of static arrays (lists of temperatures, layers, split results): pure ones only. */
import type { Node } from 'ts-morph'
import { fail } from './diagnostics.js'
import { Builtin, ScalarSym, Tracer, describe, type Value } from './values.js'
import { truthy, type Evaluator } from './evaluate.js'
import { didYouMean } from './suggest.js'

/** What static arrays support: their length and pure methods. */
const ARRAY_MEMBERS = [
  'length',
  'map',
  'flatMap',
  'filter',
  'every',
  'some',
  'reduce',
  'slice',
  'concat',
  'at',
  'includes',
  'indexOf',
  'join',
]
const MUTATORS = new Set(['push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin'])

export function arrayMember(ev: Evaluator, arr: Value[], name: string, node: Node): Value {
  if (name === 'length') return arr.length
  if (MUTATORS.has(name))
    fail(
      'D102',
      node,
      `Array.${name} mutates the array`,
      name === 'push' ? 'build a new array: [...xs, x]' : 'build a new array (slice, concat, map)',
    )
  const call = (f: Value, args: Value[], at: Node) => ev.callValue(f, args, at)
  /** A method whose result is a new array (or string), counted against the element budget. */
  const method = (fn: (args: Value[], at: Node) => Value) =>
    new Builtin(`Array.${name}`, (args, at) => {
      const r = fn(args, at)
      if (Array.isArray(r) || typeof r === 'string') ev.work.created(r.length, at)
      return r
    })
  const test = (a: Value[], at: Node) => (x: Value, i: number) =>
    staticTruth(name, call(ev.arg(a, 0, at, `Array.${name}`), [x, i], at), at)
  switch (name) {
    case 'map':
      return method((a, at) => arr.map((x, i) => call(a[0], [x, i], at)))
    case 'flatMap':
      return method((a, at) =>
        arr.flatMap((x, i) => {
          const r = call(a[0], [x, i], at)
          return Array.isArray(r) ? r : [r]
        }),
      )
    case 'filter':
      return method((a, at) => arr.filter(test(a, at)))
    case 'every':
      return method((a, at) => arr.every(test(a, at)))
    case 'some':
      return method((a, at) => arr.some(test(a, at)))
    case 'reduce':
      return method((a, at) => {
        if (arr.length === 0 && a.length < 2)
          fail('D109', at, 'reduce of an empty array with no initial value', 'pass an initial value')
        let acc = a.length >= 2 ? a[1] : arr[0]
        for (let i = a.length >= 2 ? 0 : 1; i < arr.length; i++) acc = call(a[0], [acc, arr[i], i], at)
        return acc
      })
    case 'slice':
      return method((a) => arr.slice(a[0] as number | undefined, a[1] as number | undefined))
    case 'concat':
      return method((a) => arr.concat(...a.map((x) => (Array.isArray(x) ? x : [x]))))
    case 'at':
      return method((a, at) => arr.at(ev.staticNumber(a[0], at, 'an index')))
    case 'includes':
      return method((a) => arr.includes(a[0]))
    case 'indexOf':
      return method((a) => arr.indexOf(a[0]))
    case 'join':
      return method((a) => arr.join(a[0] as string | undefined))
  }
  return fail(
    'D106',
    node,
    `arrays have no supported method '${name}'`,
    `${didYouMean(name, ARRAY_MEMBERS)}the pure ones are ${ARRAY_MEMBERS.join(', ')}`,
  )
}

/** What a filter/every/some callback decided: a static truth, never one that depends on data. */
function staticTruth(method: string, v: Value, at: Node): boolean {
  if (v instanceof Tracer)
    fail(
      'D103',
      at,
      `the callback of ${method} returned ${describe(v)}, which would decide on data`,
      'decide with static values (shapes, constants), or select elementwise with where(cond, a, b)',
    )
  if (v instanceof ScalarSym)
    fail(
      'D110',
      at,
      `the callback of ${method} depends on a lambda argument, but ${method} over a static array decides at compile time`,
      'inside a scalar lambda, count or select with arithmetic and ternaries: [1, 2, 3].reduce((n, k) => n + (k < v ? 1 : 0), 0)',
    )
  return truthy(v, at)
}
