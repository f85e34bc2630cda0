/**
 * The image pipeline's generators (stdlib/mnist/generator.ts, the MLP and the DiT): exactly 0 at initialization, the
 * compiled program on wasm against the float64 interpreter, and its gradient with respect to every
 * parameter against finite differences (at a tiny width, with the zero-initialized layers made
 * non-zero so every path carries a gradient).
 */
import { describe, expect, test } from 'vitest'
import { Tensor } from '../dsl/index.js'
import { generate, GENERATORS } from '../stdlib/mnist/generator.js'
import { argSpec, flattenInputs } from '../compiler/runtime/signature.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { interpret } from '../compiler/ir/interpret.js'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { wasmRuntime } from '../compiler/backend/wasm/index.js'
import { WASM_LIMITS } from '../compiler/backend/wasm/run.js'
import { lower, randint, randn, rootPath, S, seeded, T } from './helpers.js'
import { TINY_GENERATOR, tinyGeneratorParams } from './tinyGenerator.js'
import { gradientError, lowerGrad } from './gradcheck.js'
import { expectFloat32Run } from './tolerance.js'

const SIZES = TINY_GENERATOR
const B = 3
const FIXTURE = rootPath('test/fixtures/mnistGenerator.ts')
const GENERATOR = rootPath('stdlib/mnist/generator.ts')

/** The generator's other inputs: noise, labels, style indices, α ∈ [1, 4]. */
function inputs(r: () => number): NDArray[] {
  const alpha = randn([B], r)
  alpha.data = Float64Array.from(alpha.data, (v) => Math.fround(1 + 3 * Math.abs(Math.tanh(v))))
  return [
    randn([B, 1, SIZES.size, SIZES.size], r),
    randint([B], r, SIZES.classes),
    randint([B, SIZES.styles], r, SIZES.codebook),
    alpha,
  ]
}

const flat = (p: unknown): NDArray[] => {
  const out: NDArray[] = []
  flattenInputs(p, argSpec(p, false, 'p'), out)
  return out
}
const specsOf = (kind: string, p: unknown, ins: NDArray[]) => [
  S(kind),
  argSpec(p, false, 'p'),
  ...ins.map((a) => T(a.shape, a.dtype)),
]

describe.each(GENERATORS)('the %s generator', (kind) => {
  const params = (r: () => number, perturb: boolean) => tinyGeneratorParams(r, perturb, kind)

  test('starts as a point mass at 0: every output exactly 0', () =>
    seeded(async (r) => {
      const p = await params(r, false)
      const [noise, labels, styles, alpha] = inputs(r).map(
        (a) => new Tensor(a.dtype === 'f32' ? Float32Array.from(a.data) : Int32Array.from(a.data), a.shape, a.dtype),
      )
      const x = await generate.run(kind, p as never, noise as never, labels as never, styles as never, alpha as never)
      expect(x.shape).toEqual([B, 1, SIZES.size, SIZES.size])
      expect(Array.from(x.data).every((v) => v === 0)).toBe(true)
    }))

  test('compiled for wasm, it equals the float64 interpreter', () =>
    seeded(async (r) => {
      const p = await params(r, true)
      const ins = inputs(r)
      const spec = lower(GENERATOR, 'generate', specsOf(kind, p, ins))
      const all = [...flat(p), ...ins]
      const got = wasmRuntime().run(lowerGraph(spec.graph, {}, WASM_LIMITS).plan, all)
      expectFloat32Run(spec.graph, got, interpret(spec.graph, all, 'f64'), 'generate')
    }))

  test("its gradient compiled for wasm equals the float64 interpreter; the embeddings' scatter runs on the host", () =>
    seeded(async (r) => {
      const p = await params(r, true)
      const ins = inputs(r)
      const target = randn([B, 1, SIZES.size, SIZES.size], r)
      const spec = lowerGrad(FIXTURE, 'generatorLoss', [...specsOf(kind, p, ins), T(target.shape)], [1])
      const all = [...flat(p), ...ins, target]
      const { plan } = lowerGraph(spec.graph, {}, WASM_LIMITS)
      expect(plan.steps.filter((s) => s.k === 'host').map((s) => s.k === 'host' && s.prim)).toContain('scatter_add')
      expectFloat32Run(spec.graph, wasmRuntime().run(plan, all), interpret(spec.graph, all, 'f64'), 'gradient')
    }))

  test('its gradient with respect to every parameter matches finite differences', () =>
    seeded(async (r, seed) => {
      const p = await params(r, true)
      const ins = inputs(r)
      const target = randn([B, 1, SIZES.size, SIZES.size], r)
      const err = gradientError(
        FIXTURE,
        'generatorLoss',
        [...specsOf(kind, p, ins), T(target.shape)],
        [...flat(p), ...ins, target],
        [1],
        seed,
        { all: 32, sample: 12 },
      )
      // relative per element (floor 1e-3 of the largest): central differences in float64 leave about 1e-6
      // here; a wrong gradient is off by orders of magnitude more
      expect(err).toBeLessThan(1e-5)
    }))
})
