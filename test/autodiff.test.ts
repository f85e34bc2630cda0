/**
 * Reverse-mode AD against central finite differences in float64, on seeded random inputs;
 * structure tests on the gradient programs; grad of grad.
 */
import { describe, expect, test } from 'vitest'
import type { ArgSpec, Specialized } from '../compiler/frontend/specialize.js'
import { interpret } from '../compiler/ir/interpret.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { printGraph } from '../compiler/ir/print.js'
import { ROOT, expectClose, lower, randint, randn, rootPath, scalar, seeded, T } from './helpers.js'
import { gradientError, lowerGrad as lowerGradOf } from './gradcheck.js'
import { accumulationLengths, float64Tolerance } from './tolerance.js'

const FILE = rootPath('test/fixtures/grads.ts')

const lowerGrad = (name: string, specs: ArgSpec[], argnums: number[]): Specialized =>
  lowerGradOf(FILE, name, specs, argnums)
const checkGradient = (name: string, specs: ArgSpec[], inputs: NDArray[], argnums: number[], seed: number) =>
  gradientError(FILE, name, specs, inputs, argnums, seed)

interface Case {
  name: string
  specs: ArgSpec[]
  inputs: (r: () => number) => NDArray[]
  argnums: number[]
}
const obj = (fields: [string, number[]][]): ArgSpec => ({ tag: 'object', fields: fields.map(([k, s]) => [k, T(s)]) })

const CASES: Case[] = [
  {
    name: 'broadcasting',
    specs: [T([3, 4]), T([4]), T([3, 1])],
    inputs: (r) => [randn([3, 4], r, 0.5), randn([4], r, 0.5), randn([3, 1], r, 0.5)],
    argnums: [0, 1, 2],
  },
  {
    name: 'outer',
    specs: [T([3, 1]), T([1, 4])],
    inputs: (r) => [randn([3, 1], r), randn([1, 4], r)],
    argnums: [0, 1],
  },
  { name: 'reductions', specs: [T([3, 4, 5])], inputs: (r) => [randn([3, 4, 5], r)], argnums: [0] },
  {
    name: 'batchedMatmul',
    specs: [T([2, 3, 4]), T([2, 4, 5])],
    inputs: (r) => [randn([2, 3, 4], r, 0.5), randn([2, 4, 5], r, 0.5)],
    argnums: [0, 1],
  },
  {
    name: 'softmaxes',
    specs: [T([4, 5]), T([4, 5])],
    inputs: (r) => [randn([4, 5], r), randn([4, 5], r)],
    argnums: [0, 1],
  },
  { name: 'logsumexps', specs: [T([4, 5])], inputs: (r) => [randn([4, 5], r, 2)], argnums: [0] },
  {
    name: 'distances',
    specs: [T([5, 3]), T([6, 3]), T([5, 6])],
    inputs: (r) => [randn([5, 3], r), randn([6, 3], r), randn([5, 6], r)],
    argnums: [0, 1, 2],
  },
  {
    name: 'gathered',
    specs: [T([5, 3]), T([7], 'i32')],
    inputs: (r) => [randn([5, 3], r), randint([7], r, 5)],
    argnums: [0],
  },
  {
    name: 'convolved',
    specs: [T([2, 2, 5, 5]), T([3, 2, 3, 3])],
    inputs: (r) => [randn([2, 2, 5, 5], r), randn([3, 2, 3, 3], r, 0.3)],
    argnums: [0, 1],
  },
  {
    name: 'concatSplit',
    specs: [T([3, 4]), T([3, 3])],
    inputs: (r) => [randn([3, 4], r, 0.5), randn([3, 3], r, 0.5)],
    argnums: [0, 1],
  },
  { name: 'movement', specs: [T([2, 3, 4])], inputs: (r) => [randn([2, 3, 4], r)], argnums: [0] },
  {
    name: 'selects',
    specs: [T([4, 5]), T([4, 5])],
    inputs: (r) => [randn([4, 5], r), randn([4, 5], r, 0.5)],
    argnums: [0, 1],
  },
  { name: 'unaries', specs: [T([4, 5])], inputs: (r) => [randn([4, 5], r)], argnums: [0] },
  {
    name: 'binaries',
    specs: [T([4, 5]), T([4, 5])],
    inputs: (r) => [randn([4, 5], r), randn([4, 5], r)],
    argnums: [0, 1],
  },
  {
    name: 'lambdas',
    specs: [T([4, 5]), T([4, 5]), T([])],
    inputs: (r) => [randn([4, 5], r), randn([4, 5], r), scalar(0.7 + r())],
    argnums: [0, 1, 2],
  },
  { name: 'folds', specs: [T([3, 5]), T([])], inputs: (r) => [randn([3, 5], r), scalar(0.3 + r())], argnums: [0, 1] },
  {
    name: 'mlpLoss',
    specs: [
      obj([
        ['w1', [3, 8]],
        ['b1', [8]],
        ['w2', [8, 2]],
        ['b2', [2]],
      ]),
      T([6, 3]),
      T([6, 2]),
    ],
    inputs: (r) => [
      randn([3, 8], r, 0.5),
      randn([8], r, 0.1),
      randn([8, 2], r, 0.5),
      randn([2], r, 0.1),
      randn([6, 3], r),
      randn([6, 2], r),
    ],
    argnums: [0],
  },
  {
    name: 'convNetLoss',
    specs: [
      obj([
        ['k1', [3, 1, 3, 3]],
        ['k2', [2, 3, 2, 2]],
        ['head', [18, 2]],
      ]),
      T([2, 1, 6, 6]),
      T([2, 2]),
    ],
    inputs: (r) => [
      randn([3, 1, 3, 3], r, 0.4),
      randn([2, 3, 2, 2], r, 0.4),
      randn([18, 2], r, 0.3),
      randn([2, 1, 6, 6], r),
      randn([2, 2], r),
    ],
    argnums: [0],
  },
  { name: 'customLoss', specs: [T([3, 4])], inputs: (r) => [randn([3, 4], r)], argnums: [0] },
  {
    name: 'elementwiseHvp',
    specs: [T([3, 4]), T([3, 4])],
    inputs: (r) => [randn([3, 4], r), randn([3, 4], r)],
    argnums: [0, 1],
  },
  {
    name: 'matmulSecondOrder',
    specs: [T([3, 4]), T([5, 3])],
    inputs: (r) => [randn([3, 4], r, 0.5), randn([5, 3], r, 0.5)],
    argnums: [0, 1],
  },
]

describe('gradients match central finite differences (float64, seeded inputs, error < 1e-6)', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) =>
    seeded((r, seed) =>
      expect(checkGradient(c.name, c.specs, c.inputs(r), c.argnums, seed), c.name).toBeLessThan(1e-6),
    ),
  )

  test('cdist at coincident points: the eps keeps the gradient finite (and zero by symmetry)', () =>
    seeded((r) => {
      const x = randn([4, 3], r)
      const y: NDArray = { ...x, shape: [4, 3], data: Float64Array.from(x.data) } // y = x: every diagonal distance is 0
      const g = lowerGrad('distanceSum', [T([4, 3]), T([4, 3])], [0])
      const [, gx] = interpret(g.graph, [x, y], 'f64')
      for (const v of gx.data) expect(Number.isFinite(v)).toBe(true)
      expect(checkGradient('distanceSum', [T([4, 3]), T([4, 3])], [x, y], [0, 1], 1)).toBeLessThan(1e-6)
    }))
})

test('the drifting loss has gradient −2V/(N·D): the field is a constant target', () =>
  seeded((r) => {
    const [x, pos, tau] = [randn([6, 2], r), randn([7, 2], r), scalar(0.5)]
    const g = lowerGrad('driftLoss', [T([6, 2]), T([7, 2]), T([])], [0])
    const [loss, gx] = interpret(g.graph, [x, pos, tau], 'f64')
    const field = lower(rootPath('stdlib/fields/paper.ts'), 'paperField', [T([6, 2]), T([7, 2]), T([6, 2]), T([])])
    const [v] = interpret(field.graph, [x, pos, x, tau], 'f64')
    const meanSq = Array.from(v.data).reduce((a, b) => a + b * b, 0) / v.data.length
    // float64 both ways: the mean of squares does not cancel; the gradient is −2V/n element by element
    expectClose([loss.data[0]], [meanSq], { rtol: 1e-12, atol: 0 }, 'loss')
    const want = Array.from(v.data, (vi) => (-2 * vi) / v.data.length)
    expectClose(gx.data, want, float64Tolerance(accumulationLengths(field.graph)[0], want), '∂loss/∂x')
  }))

test('the checker fails a wrong gradient: frozenLoss’s adjoint is deliberately 0 where the derivative is 3', () =>
  seeded((r, seed) => {
    // ∂/∂x of 3x.sum() + x.sum() is 4 per element; the adjoint gives 1, so every element is 75 % off
    expect(checkGradient('frozenLoss', [T([3, 4])], [randn([3, 4], r)], [0], seed)).toBeGreaterThan(0.5)
  }))

describe('customVjp and vjp', () => {
  test('a customVjp adjoint replaces the derivative of its forward computation', () =>
    seeded((r) => {
      const x = randn([3, 4], r)
      const g = lowerGrad('frozenLoss', [T([3, 4])], [0])
      const [, gx] = interpret(g.graph, [x], 'f64')
      expect(Array.from(gx.data)).toEqual(new Array(12).fill(1)) // 0 through the frozen path + 1 from x.sum()
      expect(
        g.graph.eqns.some((e) => e.prim === 'mul' && e.inputs.some((a) => a.kind === 'lit' && a.value === 3)),
      ).toBe(true)
    }))

  test('vjp returns the value and a pullback applied to a given cotangent', () =>
    seeded((r) => {
      const [x, ct] = [randn([3, 4], r), randn([3, 4], r)]
      const s = lower(FILE, 'pulled', [T([3, 4]), T([3, 4])])
      const [y, gx] = interpret(s.graph, [x, ct], 'f64')
      // float64, elementwise: eᶻ·z + eᶻ cancels near z = −1, down to roundings of the largest term
      const wantY = Array.from(x.data, (v) => Math.exp(v) * v)
      const wantGx = Array.from(x.data, (v, i) => Math.exp(v) * (1 + v) * ct.data[i])
      expectClose(y.data, wantY, float64Tolerance(1, wantY), 'y')
      expectClose(gx.data, wantGx, float64Tolerance(1, wantGx), 'pullback')
    }))
})

describe('structure of gradient programs', () => {
  test('a matmul and its gradient, as printed IR', () => {
    const specs = [T([2, 3]), T([3, 4])]
    expect(printGraph(lower(FILE, 'matmulLoss', specs).graph, { relativeTo: ROOT })).toMatchInlineSnapshot(`
      "{ lambda a:f32[2,3] b:f32[3,4] .
        let c:f32[2,4] = matmul a b             # test/fixtures/grads.ts:153:56
            d:f32[] = reduce_sum[axes=[0,1]] c  # test/fixtures/grads.ts:153:66
        in (d) }"
    `)
    expect(printGraph(lowerGrad('matmulLoss', specs, [0, 1]).graph, { relativeTo: ROOT })).toMatchInlineSnapshot(`
      "{ lambda a:f32[2,3] b:f32[3,4] .
        let c:f32[2,4] = matmul a b                             # test/fixtures/grads.ts:153:56
            d:f32[] = reduce_sum[axes=[0,1]] c                  # test/fixtures/grads.ts:153:66
            e:f32[2,4] = full[shape=[2,4], value=1, dtype=f32]  # test/fixtures/grads.ts:153:66
            f:f32[4,3] = transpose[perm=[1,0]] b                # test/fixtures/grads.ts:153:56
            g:f32[2,3] = matmul e f                             # test/fixtures/grads.ts:153:56
            h:f32[3,2] = transpose[perm=[1,0]] a                # test/fixtures/grads.ts:153:56
            i:f32[3,4] = matmul h e                             # test/fixtures/grads.ts:153:56
        in (d, g, i) }"
    `)
  })

  const shapesOf = (s: Specialized) => s.graph.eqns.flatMap((e) => e.outputs.map((o) => o.shape))

  test('the gradient of a matmul is two matmuls of the operand sizes, with no M×K×N intermediate', () => {
    const g = lowerGrad('matmulLoss', [T([6, 5]), T([5, 7])], [0, 1])
    const mms = g.graph.eqns.filter((e) => e.prim === 'matmul')
    expect(mms.map((e) => e.outputs[0].shape)).toEqual([
      [6, 7],
      [6, 5],
      [5, 7],
    ])
    for (const shape of shapesOf(g)) expect(shape.reduce((a, b) => a * b, 1)).toBeLessThan(6 * 5 * 7)
  })

  test('the drifting loss differentiates nothing under stopGradient', () => {
    const value = lower(FILE, 'driftLoss', [T([6, 2]), T([7, 2]), T([])])
    const g = lowerGrad('driftLoss', [T([6, 2]), T([7, 2]), T([])], [0])
    // the gradient adds only the elementwise chain of the MSE: no softmax, exp or matmul beyond the forward field
    const count = (s: Specialized, prim: string) => s.graph.eqns.filter((e) => e.prim === prim).length
    for (const prim of ['matmul', 'exp', 'cdist', 'reduce_max', 'sqrt'])
      expect(count(g, prim), prim).toBe(count(value, prim))
    expect(g.graph.eqns.length - value.graph.eqns.length).toBeLessThanOrEqual(4)
  })

  test('cdist gradients use matmuls of the operand sizes, never an N×M×D tensor', () => {
    const g = lowerGrad('distanceSum', [T([8, 3]), T([9, 3])], [0, 1])
    for (const shape of shapesOf(g)) expect(shape.reduce((a, b) => a * b, 1)).toBeLessThanOrEqual(8 * 9)
    expect(g.graph.eqns.filter((e) => e.prim === 'matmul').length).toBe(2)
  })

  test("a derivative reuses the forward value (exp' = exp: no second exp)", () => {
    const g = lowerGrad('logsumexps', [T([4, 5])], [0])
    const v = lower(FILE, 'logsumexps', [T([4, 5])])
    expect(g.graph.eqns.filter((e) => e.prim === 'exp').length).toBe(
      v.graph.eqns.filter((e) => e.prim === 'exp').length,
    )
  })
})
