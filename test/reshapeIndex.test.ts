/**
 * Index arithmetic of reshapes (compiler/kernel/reshapeIndex.ts) and the folding of a flat index
 * of an unflattened index back into the flat index (compiler/kernel/build.ts `add`): both against
 * plain integer arithmetic at every index of several shapes, and the folding seen in the kernels.
 */
import { describe, expect, test } from 'vitest'
import { reshapeIndex } from '../compiler/kernel/reshapeIndex.js'
import { flatIndex, print, ref, unflatten } from '../compiler/kernel/build.js'
import type { KExpr } from '../compiler/kernel/types.js'

/** The value of an index expression with its names bound. */
function value(e: KExpr, env: Record<string, number>): number {
  switch (e.k) {
    case 'num':
      return e.v
    case 'ref':
      return env[e.name]
    case 'bin': {
      const [a, b] = [value(e.a, env), value(e.b, env)]
      if (e.op === 'add') return a + b
      if (e.op === 'sub') return a - b
      if (e.op === 'mul') return a * b
      throw new Error(`unexpected ${e.op}`)
    }
    case 'idiv':
      return Math.floor(value(e.a, env) / e.b)
    case 'imod':
      return value(e.a, env) % e.b
    default:
      throw new Error(`unexpected ${e.k}`)
  }
}

const multiIndex = (f: number, shape: number[]) => {
  const out: number[] = []
  for (let i = shape.length - 1; i >= 0; i--) {
    out.unshift(f % shape[i])
    f = Math.floor(f / shape[i])
  }
  return out
}
const size = (s: number[]) => s.reduce((a, b) => a * b, 1)

const PAIRS: [number[], number[]][] = [
  [[6], [2, 3]],
  [[2, 3], [6]],
  [
    [2, 1, 3],
    [6, 1],
  ],
  [
    [4, 6, 35],
    [2, 3, 5, 28],
  ],
  [
    [2, 3, 4],
    [4, 3, 2],
  ],
  [[1], []],
  [[], [1, 1]],
  [
    [3, 1, 1],
    [1, 3],
  ],
  [
    [12, 5],
    [3, 4, 5],
  ],
  [
    [3, 10, 7],
    [30, 7],
  ],
]

describe('reshapeIndex', () => {
  test.each(PAIRS)('%j → %j reads the input element with the same flat index', (from, to) => {
    const names = from.map((_, i) => `i${i}`)
    const idx = reshapeIndex(
      names.map((n) => ref(n)),
      from,
      to,
    )
    expect(idx.length).toBe(to.length)
    for (let f = 0; f < size(from); f++) {
      const env = Object.fromEntries(multiIndex(f, from).map((v, i) => [names[i], v]))
      expect(
        idx.map((e) => value(e, env)),
        `at ${f}`,
      ).toEqual(multiIndex(f, to))
    }
  })

  test('an axis no run changes passes through; merged axes are divided only within their run', () => {
    const [b, p] = [ref('b'), ref('p')]
    const idx = reshapeIndex([b, p], [5, 12], [5, 3, 4]).map(print)
    expect(idx).toEqual(['b', 'idiv(p,4)', 'imod(p,4)'])
  })
})

describe('flat index of an unflattened index', () => {
  test.each(PAIRS.filter(([a, b]) => a.length && b.length))(
    'through %j and %j it folds back to the flat index',
    (outer, inner) => {
      const f = ref('f')
      const folded = flatIndex(unflatten(flatIndex(unflatten(f, outer), outer), inner), inner)
      expect(print(folded)).toBe('f')
    },
  )

  test('a scaled run folds too, inside a sum: (f / n)·n·c + (f % n)·c + r = f·c + r', () => {
    const [f, r] = [ref('f'), ref('r')]
    const e = flatIndex([...unflatten(f, [3, 4]), r], [3, 4, 7])
    expect(print(e)).toBe('add(mul(f,7),r)')
    for (let v = 0; v < 12; v++) expect(value(e, { f: v, r: 5 })).toBe(v * 7 + 5)
  })

  test('a middle run folds to a remainder: ((f / n) % m)·n + f % n = f % (n·m)', () => {
    const f = ref('f')
    const [, a, b] = unflatten(f, [5, 3, 4])
    const e = flatIndex([a, b], [3, 4])
    expect(print(e)).toBe('imod(f,12)')
    for (let v = 0; v < 60; v++) expect(value(e, { f: v })).toBe(v % 12)
  })

  test('terms of different numbers stay apart', () => {
    const [f, g] = [ref('f'), ref('g')]
    const [q] = unflatten(f, [3, 4])
    const [, s] = unflatten(g, [3, 4])
    const e = flatIndex([q, s], [3, 4])
    expect(print(e)).not.toBe('f')
    for (let v = 0; v < 12; v++) expect(value(e, { f: v, g: 11 - v })).toBe(Math.floor(v / 4) * 4 + ((11 - v) % 4))
  })
})
