/**
 * Convolutions on the wasm backend: lowered to patches, matrix products and col2im
 * (transforms/convMatmuls.ts), their values and both gradients against the float64 reference
 * interpreter running conv2d's own semantics, at strides 1, 2 and 3, padding 0 to 2, 1×1 to 5×5
 * filters, one input channel and odd sizes; the rewrite itself exact in float64; the two new
 * primitives each other's transpose; the reference gradients against finite differences; and
 * every product stored, never recomputed inside another kernel's loop.
 * Random inputs come from the test's fixed seed, printed with every failure (DRIFT_TEST_SEED=<n> replays one).
 */
import { describe, expect, test } from 'vitest'
import { WasmRuntime, WASM_LIMITS } from '../compiler/backend/wasm/run.js'
import { limitsFor } from '../compiler/backend/gpujs/run.js'
import { lowerGraph, type BackendLimits } from '../compiler/fusion/lower.js'
import { interpret } from '../compiler/ir/interpret.js'
import { primitive } from '../compiler/ir/primitive.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import type { Graph } from '../compiler/ir/types.js'
import { convMatmuls } from '../compiler/transforms/convMatmuls.js'
import { windows, unphaseSteps } from '../compiler/ir/prims/patches.js'
import { expectClose, expectElementwise, lower, maxAbs, randn, rng, rootPath, S, T, testSeed } from './helpers.js'
import { gradientError } from './gradcheck.js'
import type { ArgSpec } from '../compiler/frontend/specialize.js'

const FIXTURE = rootPath('test/fixtures/conv.ts')
const runtimes = { 'one thread': new WasmRuntime(1), 'two threads': new WasmRuntime(2) }

interface Case {
  name: string
  x: number[]
  w: number[]
  stride: [number, number]
  padding: [number, number]
}

const CASES: Case[] = [
  {
    name: '3×3, stride 1, padding 1, one input channel, odd sizes',
    x: [2, 1, 7, 9],
    w: [3, 1, 3, 3],
    stride: [1, 1],
    padding: [1, 1],
  },
  { name: '3×3, stride 2, padding 1, odd sizes', x: [2, 3, 9, 7], w: [4, 3, 3, 3], stride: [2, 2], padding: [1, 1] },
  { name: '3×3, stride 2, no padding', x: [2, 3, 11, 10], w: [2, 3, 3, 3], stride: [2, 2], padding: [0, 0] },
  { name: '3×3, stride 1, no padding', x: [2, 2, 5, 6], w: [3, 2, 3, 3], stride: [1, 1], padding: [0, 0] },
  { name: '1×1, stride 1, no padding', x: [1, 4, 6, 5], w: [5, 4, 1, 1], stride: [1, 1], padding: [0, 0] },
  { name: '1×1, stride 2, no padding', x: [3, 2, 8, 5], w: [3, 2, 1, 1], stride: [2, 2], padding: [0, 0] },
  { name: '3×2, strides (2, 1), padding (1, 0)', x: [2, 2, 9, 8], w: [3, 2, 3, 2], stride: [2, 1], padding: [1, 0] },
  {
    name: '5×5, stride 1, padding 2 (tap loops not unrolled)',
    x: [1, 3, 12, 13],
    w: [2, 3, 5, 5],
    stride: [1, 1],
    padding: [2, 2],
  },
  {
    name: '4×4, stride 2, padding 1 (taps a multiple of the stride)',
    x: [2, 2, 10, 10],
    w: [3, 2, 4, 4],
    stride: [2, 2],
    padding: [1, 1],
  },
  { name: '3×3, stride 3, padding 1', x: [1, 2, 10, 11], w: [2, 2, 3, 3], stride: [3, 3], padding: [1, 1] },
  {
    name: '3×3, stride 1, padding 1, register-blocked tiles with remainders',
    x: [3, 8, 21, 19],
    w: [13, 8, 3, 3],
    stride: [1, 1],
    padding: [1, 1],
  },
]

const outShape = (c: Case) => [
  c.x[0],
  c.w[0],
  windows(c.x[2], c.w[2], c.stride[0], c.padding[0]),
  windows(c.x[3], c.w[3], c.stride[1], c.padding[1]),
]
const statics = (c: Case): ArgSpec[] => [S(c.stride[0]), S(c.stride[1]), S(c.padding[0]), S(c.padding[1])]
const forward = (c: Case) => lower(FIXTURE, 'conv', [T(c.x), T(c.w), ...statics(c)]).graph
const gradients = (c: Case) => lower(FIXTURE, 'convGrads', [T(c.x), T(c.w), T(outShape(c)), ...statics(c)]).graph

/** Fresh inputs for a case (the filter scaled so outputs stay near 1), and the seed they came from. */
function inputs(c: Case, withCotangent: boolean): { seed: number; ins: NDArray[] } {
  const seed = testSeed()
  const r = rng(seed)
  const fanIn = c.w[1] * c.w[2] * c.w[3]
  const ins = [randn(c.x, r), randn(c.w, r, 1 / Math.sqrt(fanIn))]
  if (withCotangent) ins.push(randn(outShape(c), r))
  return { seed, ins }
}

/** Compile `graph` for wasm, run it, and compare every output with the float64 interpreter. */
function expectWasmMatches(
  graph: Graph,
  ins: NDArray[],
  runtime: WasmRuntime,
  where: string,
  limits: BackendLimits = WASM_LIMITS,
) {
  const { plan } = lowerGraph(graph, {}, limits)
  const got = runtime.run(plan, ins)
  const want = interpret(graph, ins, 'f64')
  want.forEach((w, i) => expectElementwise(got[i].data, w.data, 1e-4, 1e-2, `${where}: output ${i}`))
  return plan
}

describe.each(CASES)('conv2d $name', (c) => {
  test.each(Object.entries(runtimes))('value on wasm (%s) equals the float64 reference', (_, runtime) => {
    const { seed, ins } = inputs(c, false)
    expectWasmMatches(forward(c), ins, runtime, `${c.name} (seed ${seed})`)
  })

  test('input and filter gradients on wasm equal the float64 reference', () => {
    const { seed, ins } = inputs(c, true)
    expectWasmMatches(gradients(c), ins, runtimes['two threads'], `${c.name} gradients (seed ${seed})`)
  })

  test('the rewrite into patches, products and col2im is exact in float64', () => {
    const { seed, ins } = inputs(c, true)
    for (const g of [forward(c), gradients(c)]) {
      const lowered = convMatmuls(g)
      expect(lowered.graph.eqns.some((e) => e.prim.startsWith('conv2d'))).toBe(false)
      const want = interpret(g, ins.slice(0, g.inputs.length), 'f64')
      const got = interpret(lowered.graph, ins.slice(0, g.inputs.length), 'f64')
      // float64, the same sums in another order: 1e-12 of each element above 1e-12 of the largest
      want.forEach((w, i) =>
        expectClose(
          got[i].data,
          w.data,
          { rtol: 1e-12, atol: 1e-12 * maxAbs(w.data) },
          `${c.name} output ${i} (seed ${seed})`,
        ),
      )
    }
  })
})

describe('the design that recomputes the patches inside the product (direct)', () => {
  test.each([CASES[1], CASES[7]])('$name: value and gradients equal the float64 reference', (c) => {
    const { seed, ins } = inputs(c, true)
    const direct = { ...WASM_LIMITS, convDesign: 'direct' as const }
    const plan = expectWasmMatches(
      gradients(c),
      ins,
      runtimes['two threads'],
      `${c.name} direct (seed ${seed})`,
      direct,
    )
    expect(plan.buffers.some((b) => b.reason.includes('im2col'))).toBe(false)
  })
})

describe('plans', () => {
  const c = CASES[1]
  test('on wasm every product is stored by a kernel of its own, read (never recomputed) by the others', () => {
    const { plan } = lowerGraph(gradients(c), {}, WASM_LIMITS)
    const launches = plan.steps.flatMap((s) => (s.k === 'launch' ? [s.kernel] : []))
    const products = launches.filter((k) => k.fused.some((f) => f.prim === 'matmul'))
    expect(products.length).toBe(3) // value, input gradient, filter gradient
    for (const k of products) {
      expect(k.fused.filter((f) => f.prim === 'matmul').length).toBe(1)
      expect(plan.buffers.find((b) => b.name === k.out.buf)!.reason).toContain('matrix product')
    }
    expect(plan.buffers.filter((b) => b.reason.includes('im2col')).length).toBe(1) // shared by value and filter gradient
  })

  test('on gpu.js every convolution is stored, never fused into a reader', () => {
    const { plan } = lowerGraph(gradients(c), {}, limitsFor('cpu'))
    const launches = plan.steps.flatMap((s) => (s.k === 'launch' ? [s.kernel] : []))
    for (const k of launches) {
      const convs = k.fused.filter((f) => f.prim.startsWith('conv2d'))
      expect(convs.length, k.name).toBeLessThanOrEqual(1)
      if (convs.length) expect(plan.buffers.find((b) => b.name === k.out.buf)!.reason).toMatch(/convolution|output/)
    }
  })
})

describe('patches and col2im', () => {
  const params = [
    { kernel: [3, 3], stride: [2, 2], padding: [1, 1], size: [7, 8] },
    { kernel: [2, 3], stride: [1, 2], padding: [0, 1], size: [5, 6] },
    { kernel: [3, 3], stride: [3, 2], padding: [2, 0], size: [8, 7] },
  ]
  test.each(params)('col2im is the transpose of patches: ⟨patches(x), y⟩ = ⟨x, col2im(y)⟩ (%j)', (p) => {
    const seed = testSeed()
    const r = rng(seed)
    const x = randn([3, ...p.size], r)
    const cols = primitive('patches').evaluate([x], p, 'f64')[0]
    const y = randn(cols.shape, r)
    // col2im groups its pixels by phase: back to [B, H, W] through the views the rewrite uses
    let back = primitive('col2im').evaluate([y], p, 'f64')[0]
    for (const [prim, q] of unphaseSteps(3, p.size, p.stride)) back = primitive(prim).evaluate([back], q, 'f64')[0]
    expect(back.shape).toEqual(x.shape)
    const dot = (a: NDArray, b: NDArray) => Array.from(a.data).reduce((s, v, i) => s + v * b.data[i], 0)
    expect(dot(cols, y), `seed ${seed}`).toBeCloseTo(dot(x, back), 10)
  })
})

describe('gradients against finite differences (float64 reference)', () => {
  test.each([CASES[0], CASES[1], CASES[6]])('$name', (c) => {
    const { seed, ins } = inputs(c, true)
    const specs = [T(c.x), T(c.w), T(outShape(c)), ...statics(c)]
    expect(gradientError(FIXTURE, 'convLoss', specs, ins, [0, 1], seed), `seed ${seed}`).toBeLessThan(1e-6)
  })
})

describe('two convolutions with tanh and Σy² (the image step, small; tanh: no kink for rounding to cross)', () => {
  test('value and the gradients of both filters and the input on wasm equal the float64 reference', () => {
    const seed = testSeed()
    const r = rng(seed)
    const ins = [randn([6, 1, 3, 3], r, 0.5), randn([5, 6, 3, 3], r, 0.2), randn([4, 1, 13, 12], r)]
    const g = lower(FIXTURE, 'twoConvGrads', [T([6, 1, 3, 3]), T([5, 6, 3, 3]), T([4, 1, 13, 12])]).graph
    expectWasmMatches(g, ins, runtimes['two threads'], `two convolutions (seed ${seed})`)
  })
})
