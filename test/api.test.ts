/** The typed surface in dsl/ and the operations the compiler implements stay in step. */
import { expect, test } from 'vitest'
import * as api from '../dsl/index.js'
import { Tensor, randomKey } from '../dsl/index.js'
import { builtinNames, methodNames } from '../compiler/frontend/builtins.js'

const HOST_ONLY = new Set(['Tensor', 'tensor', 'dsl', 'dslAt', 'setBackend', 'currentBackend'])

test('every operation exported by dsl/ is implemented by the compiler, and vice versa', () => {
  const exported = Object.keys(api).filter((k) => !HOST_ONLY.has(k))
  const builtins = builtinNames().filter((n) => !['lt', 'le', 'gt', 'ge', 'eq', 'ne'].includes(n) && n !== 'dsl')
  expect(exported.sort()).toEqual(builtins.sort())
})

test('every DSL method declared on Tensor is a compiler method, and vice versa', () => {
  const host = new Set(['constructor', 'toArray', 'item', 'rank', 'ndim', 'size', 'T'])
  const declared = Object.getOwnPropertyNames(Tensor.prototype).filter((n) => !host.has(n))
  expect(declared.sort()).toEqual(methodNames().sort())
})

test('DSL operations called in host code say where they belong', () => {
  expect(() => api.softmax(randomKey(1) as never)).toThrow(/inside a dsl\(\.\.\.\) function/)
  expect(randomKey(7).item()).toBe(7)
})
