/** The L1 layer on its own: primitive semantics on known values, precision, printing, hashing. */
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { GraphBuilder, lit } from '../compiler/ir/builder.js'
import { evaluateSteps, interpret } from '../compiler/ir/interpret.js'
import { printGraph, relativePath, showLoc } from '../compiler/ir/print.js'
import { structuralHash } from '../compiler/ir/hash.js'
import { allPrimitives } from '../compiler/ir/primitive.js'
import { mix, normalAt, uniformAt } from '../compiler/ir/prims/random.js'
import { ShapeError } from '../compiler/ir/shape.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import type { AVal, PrimName } from '../compiler/ir/types.js'
import { simplify } from '../compiler/transforms/simplify.js'
import { CASES } from './corpus/accepted-cases.js'
import { expectClose, lower, rng, rootPath } from './helpers.js'
import { float64Tolerance } from './tolerance.js'

const arr = (shape: number[], values: number[], dtype: 'f32' | 'i32' = 'f32'): NDArray => ({
  shape,
  dtype,
  data: dtype === 'i32' ? Int32Array.from(values) : Float64Array.from(values),
})

/** Build a one-equation graph and run it. */
function apply(
  prim: PrimName,
  ins: NDArray[],
  params: Record<string, unknown> = {},
  precision: 'f32' | 'f64' = 'f64',
): NDArray {
  const b = new GraphBuilder()
  const vars = ins.map((a, i) => b.addInput({ shape: a.shape, dtype: a.dtype } as AVal, `in${i}`))
  const out = b.emit1(prim, vars, params)
  return interpret(b.build([out]), ins, precision)[0]
}
const values = (a: NDArray) => Array.from(a.data)

describe('primitive semantics on known values', () => {
  test('matmul, batched', () => {
    const a = arr([2, 1, 2], [1, 2, 3, 4])
    const b = arr([2, 2, 1], [5, 6, 7, 8])
    expect(values(apply('matmul', [a, b]))).toEqual([1 * 5 + 2 * 6, 3 * 7 + 4 * 8])
  })
  test('cdist: L2 with eps, and squared', () => {
    const x = arr([1, 2], [0, 0])
    const y = arr([2, 2], [3, 4, 0, 0])
    expect(values(apply('cdist', [x, y], { squared: false, eps: 0 }))).toEqual([5, 0])
    expect(values(apply('cdist', [x, y], { squared: true, eps: 0 }))).toEqual([25, 0])
    // √(0 + 1e-8) is 1e-4 to within a rounding
    expectClose(
      [values(apply('cdist', [x, y], { squared: false, eps: 1e-8 }))[1]],
      [1e-4],
      { rtol: 1e-15, atol: 0 },
      '√eps',
    )
  })
  test('conv2d with stride and padding', () => {
    const x = arr([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9])
    const w = arr([1, 1, 2, 2], [1, 0, 0, 1])
    expect(values(apply('conv2d', [x, w], { stride: [1, 1], padding: [0, 0] }))).toEqual([1 + 5, 2 + 6, 4 + 8, 5 + 9])
    const padded = apply('conv2d', [x, w], { stride: [2, 2], padding: [1, 1] })
    expect(padded.shape).toEqual([1, 1, 2, 2])
    expect(values(padded)).toEqual([1, 3, 7, 5 + 9])
  })
  test('reductions over one axis, several axes, all axes', () => {
    const x = arr([2, 3], [1, 5, 3, 4, 2, 6])
    expect(values(apply('reduce_sum', [x], { axes: [0] }))).toEqual([5, 7, 9])
    expect(values(apply('reduce_max', [x], { axes: [1] }))).toEqual([5, 6])
    expect(values(apply('reduce_min', [x], { axes: [0, 1] }))).toEqual([1])
  })
  test('reduce folds left to right along an axis', () => {
    const x = arr([2, 3], [1, 2, 3, 4, 5, 6])
    // acc * 10 + v: order-sensitive, so it checks the fold direction
    const body = {
      k: 'bin',
      op: 'add',
      dtype: 'f32',
      a: {
        k: 'bin',
        op: 'mul',
        dtype: 'f32',
        a: { k: 'in', i: 0, dtype: 'f32' },
        b: { k: 'const', v: 10, dtype: 'f32' },
      },
      b: { k: 'in', i: 1, dtype: 'f32' },
    }
    expect(values(apply('reduce', [x], { axis: 1, init: 0, body }))).toEqual([123, 456])
    expect(values(apply('reduce', [x], { axis: 0, init: 0, body }))).toEqual([14, 25, 36])
  })
  test('movement: transpose, broadcast, slice, concat, gather (clamped)', () => {
    const x = arr([2, 3], [1, 2, 3, 4, 5, 6])
    expect(values(apply('transpose', [x], { perm: [1, 0] }))).toEqual([1, 4, 2, 5, 3, 6])
    expect(values(apply('broadcast', [arr([3], [7, 8, 9])], { shape: [2, 3] }))).toEqual([7, 8, 9, 7, 8, 9])
    expect(values(apply('broadcast', [arr([2, 1], [7, 8])], { shape: [2, 2] }))).toEqual([7, 7, 8, 8])
    expect(values(apply('slice', [x], { start: [1, 1], size: [1, 2] }))).toEqual([5, 6])
    expect(values(apply('concat', [x, arr([2, 1], [0, 0])], { axis: 1 }))).toEqual([1, 2, 3, 0, 4, 5, 6, 0])
    expect(values(apply('gather', [x, arr([3], [1, 0, 9], 'i32')]))).toEqual([4, 5, 6, 1, 2, 3, 4, 5, 6])
  })
  test('iota and map over output indices', () => {
    expect(values(apply('iota', [], { shape: [2, 3], axis: 1, dtype: 'i32' }))).toEqual([0, 1, 2, 0, 1, 2])
    const body = {
      k: 'bin',
      op: 'sub',
      dtype: 'i32',
      a: { k: 'idx', axis: 0, dtype: 'i32' },
      b: { k: 'idx', axis: 1, dtype: 'i32' },
    }
    expect(values(apply('map', [], { shape: [2, 2], body }))).toEqual([0, -1, 1, 0])
  })
  test('i32 arithmetic wraps at 32 bits; division of integers is float', () => {
    const big = arr([1], [2 ** 31 - 1], 'i32')
    expect(values(apply('add', [big, arr([1], [1], 'i32')]))).toEqual([-(2 ** 31)])
    const d = apply('div', [arr([1], [7], 'i32'), arr([1], [2], 'i32')])
    expect(d.dtype).toBe('f32')
    expect(values(d)).toEqual([3.5])
  })
})

describe('precision', () => {
  test('float32 rounds every stored value; float64 does not', () => {
    const x = arr([1], [0.1])
    expect(apply('mul', [x, x], {}, 'f64').data[0]).toBe(0.1 * 0.1)
    expect(apply('mul', [x, x], {}, 'f32').data[0]).toBe(Math.fround(Math.fround(0.1) * Math.fround(0.1)))
  })
})

describe('counter-based random numbers', () => {
  test('the hash is a fixed function (golden values)', () => {
    expect([mix(0), mix(1), mix(12345)]).toEqual([0, 1753845952, -1859191561]) // computed independently (Python)
  })
  test('uniform in [0, 1), normal with mean 0 and variance 1', () => {
    const n = 20000
    const u = Array.from({ length: n }, (_, k) => uniformAt(42, k))
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...u)).toBeLessThan(1)
    expect(Math.abs(u.reduce((a, b) => a + b) / n - 0.5)).toBeLessThan(0.01)
    const z = Array.from({ length: n }, (_, k) => normalAt(42, k))
    const mean = z.reduce((a, b) => a + b) / n
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / n
    expect(Math.abs(mean)).toBeLessThan(0.03)
    expect(Math.abs(variance - 1)).toBeLessThan(0.05)
  })
  test('different keys give different streams', () => {
    const a = Array.from({ length: 8 }, (_, k) => uniformAt(1, k))
    const b = Array.from({ length: 8 }, (_, k) => uniformAt(2, k))
    expect(a).not.toEqual(b)
  })
})

describe('shape rules', () => {
  test('every primitive rejects a bad operand with a ShapeError that has a fix', () => {
    const b = new GraphBuilder()
    const x = b.addInput({ shape: [2, 3], dtype: 'f32' }, 'x')
    const y = b.addInput({ shape: [4, 5], dtype: 'f32' }, 'y')
    for (const [prim, ins, params] of [
      ['matmul', [x, y], {}],
      ['cdist', [x, y], { squared: false, eps: 0 }],
      ['add', [x, y], {}],
      ['reshape', [x], { shape: [7] }],
      ['transpose', [x], { perm: [0, 0] }],
      ['slice', [x], { start: [0, 2], size: [2, 2] }],
      ['concat', [x, y], { axis: 0 }],
      ['broadcast', [x], { shape: [3, 3] }],
    ] as const) {
      let err: unknown
      try {
        b.emit(prim, [...ins], params)
      } catch (e) {
        err = e
      }
      expect(err, prim).toBeInstanceOf(ShapeError)
      expect((err as ShapeError).fix.length, prim).toBeGreaterThan(0)
    }
  })
  test('every equation of the accepted corpus evaluates to the shape and dtype its primitive’s shape rule gave it', () => {
    const used = new Set<string>()
    for (const c of CASES) {
      const args = typeof c.args === 'function' ? c.args(rng(1)) : c.args
      const spec = lower(rootPath(c.file), c.fn, args)
      for (const step of evaluateSteps(spec.graph, c.inputs(rng(1)), 'f64')) {
        if (step.kind !== 'eqn') continue
        used.add(step.eqn.prim)
        step.eqn.outputs.forEach((v, i) => {
          const where = `${c.name}: ${step.eqn.prim} output ${i}`
          expect(step.values[i].shape, where).toEqual(v.shape)
          expect(step.values[i].dtype, where).toBe(v.dtype)
          expect(step.values[i].data.length, where).toBe(v.shape.reduce((a, b) => a * b, 1))
        })
      }
    }
    const names = allPrimitives().map((p) => p.name)
    for (const n of ['matmul', 'cdist', 'conv2d', 'reduce_sum', 'map', 'reduce', 'gather', 'random_normal'])
      expect([...used], `${n} is exercised`).toContain(n)
    for (const n of used) expect(names, `${n} is registered`).toContain(n)
  })
})

describe('printer and structural hash', () => {
  const build = (names: [string, string], file: string, scale: number) => {
    const b = new GraphBuilder()
    const x = b.addInput({ shape: [2, 3], dtype: 'f32' }, names[0])
    const y = b.addInput({ shape: [2, 3], dtype: 'f32' }, names[1])
    const s = b.emit1(
      'mul',
      [b.emit1('add', [x, y], {}, { file, line: 3, col: 5 }), lit(scale)],
      {},
      { file, line: 4, col: 9 },
    )
    return b.build([b.emit1('reduce_sum', [s], { axes: [1] }, { file, line: 5, col: 2 })])
  }
  test('each equation ends with its source location', () => {
    const text = printGraph(build(['x', 'y'], `${process.cwd()}/f.ts`, 2))
    expect(text).toContain('{ lambda x:f32[2,3] y:f32[2,3] .')
    expect(text).toMatch(/a:f32\[2,3\] = add x y\s+# f\.ts:3:5/)
    expect(text).toMatch(/b:f32\[2,3\] = mul a 2:f32\s+# f\.ts:4:9/)
    expect(text).toMatch(/c:f32\[2\] = reduce_sum\[axes=\[1\]\] b\s+# f\.ts:5:2/)
    expect(text).toContain('in (c) }')
  })
  test('the hash ignores names and locations but not structure', () => {
    const h = structuralHash(build(['x', 'y'], '/a.ts', 2))
    expect(structuralHash(build(['p', 'q'], '/b.ts', 2))).toBe(h)
    expect(structuralHash(build(['x', 'y'], '/a.ts', 3))).not.toBe(h)
  })
})

/**
 * A rewrite exact in real arithmetic changes float64 results by a few roundings of each value,
 * however small (products of exponentials near 1e-96 included): 1e-12 of each.
 */
const EXACT_IN_REALS = { rtol: 1e-12, atol: 0 }

describe('simplification', () => {
  const prims = (g: ReturnType<GraphBuilder['build']>) => g.eqns.map((e) => e.prim)
  /** (e^a / q) · (e^b / s), and e^a · e^a (a square), over [3, 4]. */
  function products() {
    const b = new GraphBuilder()
    const [a, c, q, s] = ['a', 'c', 'q', 's'].map((n) => b.addInput({ shape: [3, 4], dtype: 'f32' } as AVal, n))
    const ea = b.emit1('exp', [a])
    const prod = b.emit1('mul', [b.emit1('div', [ea, q]), b.emit1('div', [b.emit1('exp', [c]), s])])
    const square = b.emit1('mul', [ea, ea])
    return {
      graph: b.build([prod, square]),
      inputs: [a, c, q, s].map((_, i) =>
        arr(
          [3, 4],
          Array.from({ length: 12 }, (_, k) => (i < 2 ? -90 + 9 * k - 40 * i : 1 + k)),
        ),
      ),
    }
  }

  test('a product of two exponentials (each maybe divided) becomes one exponential of the sum; a square stays a multiply', () => {
    const { graph, inputs } = products()
    const simple = simplify(graph)
    expect(prims(simple).filter((p) => p === 'exp')).toHaveLength(2) // e^(a+c) and e^a for the square
    expect(prims(simple)).toContain('add')
    const [want, wantSquare] = interpret(graph, inputs, 'f64')
    const [got, gotSquare] = interpret(simple, inputs, 'f64')
    expectClose(values(got), values(want), EXACT_IN_REALS, 'e^a/q · e^c/s')
    expect(values(gotSquare)).toEqual(values(wantSquare))
  })

  test('a square root of a clipped product of nonnegative factors moves to the factors: e^(s/2), and one root per row value', () => {
    const b = new GraphBuilder()
    const s = b.addInput({ shape: [3, 4], dtype: 'f32' } as AVal, 's')
    const row = b.addInput({ shape: [3, 1], dtype: 'f32' } as AVal, 'row')
    const signed = b.addInput({ shape: [3, 4], dtype: 'f32' } as AVal, 'signed')
    const rowAbs = b.emit1('broadcast', [b.emit1('abs', [row])], { shape: [3, 4] })
    const affinity = b.emit1('sqrt', [b.emit1('max', [b.emit1('mul', [b.emit1('exp', [s]), rowAbs]), lit(1e-6)])])
    // a factor of unknown sign keeps its root whole: √(x·y) ≠ √x·√y for negative x, y
    const mixed = b.emit1('sqrt', [b.emit1('mul', [signed, signed])])
    const unknown = b.emit1('sqrt', [b.emit1('mul', [b.emit1('exp', [s]), signed])])
    // √max(x, c) of a negative x is √c, so the max stays outside where x's sign is unknown
    const clipped = b.emit1('sqrt', [b.emit1('max', [signed, lit(0.25)])])
    const graph = b.build([affinity, mixed, unknown, clipped])
    const simple = simplify(graph)
    const roots = simple.eqns.filter((e) => e.prim === 'sqrt').map((e) => e.outputs[0].shape)
    expect(roots).toEqual([
      [3, 1],
      [3, 4],
      [3, 4],
      [3, 4],
    ])
    const inputs = [
      arr(
        [3, 4],
        Array.from({ length: 12 }, (_, k) => 3 - k * 1.7),
      ),
      arr([3, 1], [0.3, -7, 1e-9]),
      arr(
        [3, 4],
        Array.from({ length: 12 }, (_, k) => k - 5.5),
      ),
    ]
    const want = interpret(graph, inputs, 'f64')
    // √ of a negative product stays NaN: expectClose matches a non-finite value exactly
    interpret(simple, inputs, 'f64').forEach((got, o) =>
      expectClose(values(got), values(want[o]), EXACT_IN_REALS, `output ${o}`),
    )
  })

  test('maxima of values scaled by constants are scaled extrema of one reduction, shared by every scale', () => {
    const b = new GraphBuilder()
    const d = b.addInput({ shape: [3, 4], dtype: 'f32' } as AVal, 'd')
    // the loss's logits at three temperatures: −d/τ, each normalized by its row max
    const maxima = [0.02, 0.05, 0.2].map((t) =>
      b.emit1('reduce_max', [b.emit1('mul', [d, lit(-1 / t)])], { axes: [1] }),
    )
    const graph = b.build([...maxima, b.emit1('reduce_min', [b.emit1('mul', [lit(3), d])], { axes: [0] })])
    const simple = simplify(graph)
    // one row minimum of d for the three maxima, one column minimum for the last
    expect(simple.eqns.filter((e) => e.prim.startsWith('reduce')).map((e) => [e.prim, e.params.axes])).toEqual([
      ['reduce_min', [1]],
      ['reduce_min', [0]],
    ])
    const inputs = [arr([3, 4], [0.5, -2, 3, 7, 0, 1e-3, -1e-3, 2, 9, 8, -7, 6])]
    const want = interpret(graph, inputs, 'f32')
    interpret(simple, inputs, 'f32').forEach((got, o) => expect(values(got)).toEqual(values(want[o])))
  })

  test('a row scale of a matmul operand comes out of the product, in either operand order', () => {
    const b = new GraphBuilder()
    const a = b.addInput({ shape: [3, 5], dtype: 'f32' } as AVal, 'a')
    const r = b.addInput({ shape: [3, 1], dtype: 'f32' } as AVal, 'r')
    const c = b.addInput({ shape: [3, 5], dtype: 'f32' } as AVal, 'c')
    const y = b.addInput({ shape: [5, 2], dtype: 'f32' } as AVal, 'y')
    const scale = b.emit1('broadcast', [r], { shape: [3, 5] })
    // a column scale (c ⊙ a) is not a row scale: it stays inside
    const graph = b.build([
      b.emit1('matmul', [b.emit1('mul', [a, scale]), y]),
      b.emit1('matmul', [b.emit1('mul', [scale, a]), y]),
      b.emit1('matmul', [b.emit1('mul', [c, a]), y]),
    ])
    const simple = simplify(graph)
    const operands = simple.eqns
      .filter((e) => e.prim === 'matmul')
      .map((e) => e.inputs.map((v) => (v.kind === 'var' ? v.shape : [])))
    expect(simple.eqns.filter((e) => e.prim === 'matmul')[0].inputs[0]).toEqual(a)
    expect(operands).toHaveLength(2) // the two row-scaled products share one a·y
    const inputs = [
      arr(
        [3, 5],
        Array.from({ length: 15 }, (_, k) => k - 7),
      ),
      arr([3, 1], [0.5, -2, 3]),
      arr(
        [3, 5],
        Array.from({ length: 15 }, (_, k) => (k % 4) - 1.5),
      ),
      arr([5, 2], [1, -1, 2, 0.5, -3, 4, 0, 1, 2, 2]),
    ]
    const want = interpret(graph, inputs, 'f64')
    // sums of five products: a float64 floor where they cancel
    interpret(simple, inputs, 'f64').forEach((got, o) =>
      expectClose(values(got), values(want[o]), float64Tolerance(5, values(want[o])), `output ${o}`),
    )
  })

  test('division by a literal, a rank-0 value or a broadcast row becomes a multiply by one reciprocal per divisor element', () => {
    const b = new GraphBuilder()
    const x = b.addInput({ shape: [3, 4], dtype: 'f32' } as AVal, 'x')
    const row = b.addInput({ shape: [3, 1], dtype: 'f32' } as AVal, 'row')
    const s = b.addInput({ shape: [], dtype: 'f32' } as AVal, 's')
    const byRow = b.emit1('div', [x, b.emit1('broadcast', [row], { shape: [3, 4] })])
    const graph = b.build([b.emit1('div', [byRow, lit(-0.05)]), b.emit1('div', [x, s]), b.emit1('div', [x, x])])
    const simple = simplify(graph)
    const divs = simple.eqns.filter((e) => e.prim === 'div')
    // 1/row at [3, 1], 1/s, and x/x (a divisor as large as the quotient) left alone
    expect(divs.map((e) => e.outputs[0].shape)).toEqual([[3, 1], [], [3, 4]])
    const inputs = [
      arr(
        [3, 4],
        Array.from({ length: 12 }, (_, k) => k - 5.5),
      ),
      arr([3, 1], [0.3, -7, 1e3]),
      arr([], [3]),
    ]
    const want = interpret(graph, inputs, 'f64')
    interpret(simple, inputs, 'f64').forEach((got, o) =>
      expectClose(values(got), values(want[o]), EXACT_IN_REALS, `output ${o}`),
    )
  })
})

test('source locations are shown relative to a folder as path.relative shows them, without node:path', () => {
  for (const [from, file] of [
    ['/a/b', '/a/b/c/d.ts'],
    ['/a/b', '/a/x/d.ts'],
    ['/a/b/', '/q.ts'],
    ['/', '/a/b.ts'],
    ['/a/b', '/a/b'],
  ])
    expect(relativePath(from, file), `${from} → ${file}`).toBe(path.relative(from, file))
  const loc = { file: '/a/x/d.ts', line: 3, col: 7 }
  expect(showLoc(loc, '/a/b')).toBe('../x/d.ts:3:7')
  expect(showLoc(loc, '/a/x/d.ts')).toBe('/a/x/d.ts:3:7')
  expect(showLoc(loc, 'relative/folder')).toBe('/a/x/d.ts:3:7')
})
