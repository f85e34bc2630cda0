/** Methods of static arrays (lists of temperatures, layers, split results): pure ones only. */
import type { Node } from 'ts-morph'
import { fail } from './diagnostics.js'
import { Builtin, describe, type Value } from './values.js'
import { truthy, type Evaluator } from './evaluate.js'

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
  const method = (fn: (args: Value[], at: Node) => Value) => new Builtin(`Array.${name}`, fn)
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
      return method((a, at) => arr.filter((x, i) => staticTruth(call(a[0], [x, i], at), at)))
    case 'every':
      return method((a, at) => arr.every((x, i) => staticTruth(call(a[0], [x, i], at), at)))
    case 'some':
      return method((a, at) => arr.some((x, i) => staticTruth(call(a[0], [x, i], at), at)))
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
    'use map, reduce, filter, slice, concat, length',
  )
}

function staticTruth(v: Value, at: Node): boolean {
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'atom' in v)
    fail(
      'D103',
      at,
      `the callback returned ${describe(v)}, which would filter on data`,
      'decide with static values (shapes, constants)',
    )
  return truthy(v)
}
