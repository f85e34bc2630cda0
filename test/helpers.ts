/** Shared test helpers: compile a DSL export to L1, seeded random inputs, per-element float comparisons. */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { specialize, type ArgSpec, type Specialized } from '../compiler/frontend/specialize.js'
import { formatDiagnostic, type Diagnostic } from '../compiler/frontend/diagnostics.js'
import { interpret } from '../compiler/ir/interpret.js'
import type { NDArray, Precision } from '../compiler/ir/ndarray.js'
import type { DType } from '../compiler/ir/types.js'
import type { Plan } from '../compiler/kernel/types.js'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const rootPath = (...p: string[]) => path.join(ROOT, ...p)

export const T = (shape: number[], dtype: DType = 'f32'): ArgSpec => ({ tag: 'tensor', aval: { shape, dtype } })
export const S = (value: number | string | boolean): ArgSpec => ({ tag: 'static', value })

/** Specialize an exported DSL function; fails the test with the diagnostics if it is rejected. */
export function lower(file: string, name: string, args: ArgSpec[]): Specialized {
  const r = specialize({ file, exportName: name }, args)
  if (r._tag === 'Left') throw new Error(r.left.map((d) => formatDiagnostic(d)).join('\n'))
  return r.right
}

/** Specialize and expect a rejection; returns its diagnostic. */
export function reject(file: string, name: string, args: ArgSpec[]): Diagnostic {
  const r = specialize({ file, exportName: name }, args)
  if (r._tag === 'Right') throw new Error(`expected ${name} to be rejected, but it compiled`)
  return r.left[0]
}

// ---- seeds ----

/** Setting this variable reruns every test of a file with that seed: DRIFT_TEST_SEED=123 npx vitest run test/x.test.ts. */
export const SEED_VARIABLE = 'DRIFT_TEST_SEED'

/** A seeded PRNG (mulberry32): the same seed gives the same stream on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** FNV-1a hash of a string, 31 bits: the fixed seed of a test, from its full name. */
function nameSeed(name: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
  return (h >>> 0) & 0x7fffffff
}

/** The seed each running test drew (by full test name), for the failure messages. */
const drawn = new Map<string, number>()
const testName = () => expect.getState().currentTestName ?? ''

/**
 * The seed of the running test: DRIFT_TEST_SEED when it is set (a replay), otherwise fixed for the
 * test (a hash of its full name), so every run draws the same inputs.
 */
export function testSeed(): number {
  const set = process.env[SEED_VARIABLE]
  let seed = nameSeed(testName())
  if (set !== undefined && set !== '') {
    if (!/^\d+$/.test(set) || Number(set) >= 2 ** 31)
      throw new Error(`${SEED_VARIABLE} must be an integer in [0, 2^31), got '${set}'`)
    seed = Number(set)
  }
  drawn.set(testName(), seed)
  return seed
}

/** "seed N; replay: DRIFT_TEST_SEED=N npx vitest run test/x.test.ts" for a seed of the running test file. */
export function replayNote(seed: number): string {
  const file = expect.getState().testPath
  const where = file ? ` npx vitest run ${path.relative(ROOT, file)}` : ''
  return `seed ${seed}; replay: ${SEED_VARIABLE}=${seed}${where}`
}

/** The replay note of the running test when it drew a seed, else ''. */
const seedNote = (): string => {
  const seed = drawn.get(testName())
  return seed === undefined ? '' : ` (${replayNote(seed)})`
}

/**
 * Run `body` with the test's seed (testSeed) and a generator drawn from it; any failure inside it,
 * assertion or exception, is reported with the seed and the command that replays it.
 */
export function seeded<R>(body: (r: () => number, seed: number) => R): R {
  const seed = testSeed()
  const note = (e: unknown) => {
    if (e instanceof Error && !e.message.includes(`seed ${seed};`)) e.message = `(${replayNote(seed)}) ${e.message}`
    return e
  }
  let out: R
  try {
    out = body(rng(seed), seed)
  } catch (e) {
    throw note(e)
  }
  if (out instanceof Promise)
    return out.catch((e: unknown) => {
      throw note(e)
    }) as R
  return out
}

// ---- inputs ----

/** Standard-normal float64 array (values rounded to float32 so every precision sees the same input). */
export function randn(shape: number[], r: () => number, scale = 1): NDArray {
  const n = shape.reduce((a, b) => a * b, 1)
  const data = new Float64Array(n)
  for (let i = 0; i < n; i++)
    data[i] = Math.fround(scale * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()))
  return { shape, dtype: 'f32', data }
}

export function randint(shape: number[], r: () => number, hi: number): NDArray {
  const n = shape.reduce((a, b) => a * b, 1)
  return { shape, dtype: 'i32', data: Int32Array.from({ length: n }, () => Math.floor(r() * hi)) }
}

export const scalar = (v: number): NDArray => ({ shape: [], dtype: 'f32', data: Float64Array.of(Math.fround(v)) })

export function run(s: Specialized, inputs: NDArray[], precision: Precision = 'f64'): NDArray[] {
  return interpret(s.graph, inputs, precision)
}

// ---- comparisons ----

/** float32 machine epsilon, 2^−23: one ulp of a float32 number in [1, 2), so rtol = k·EPS32 is a bound of about k ulps. */
export const EPS32 = 2 ** -23
/** float64 machine epsilon, 2^−52. */
export const EPS64 = 2 ** -52

/**
 * A per-element bound |got − want| ≤ rtol·|want| + atol. atol is the magnitude below which a value is
 * numerically zero for the computation compared (rounding alone can move it that far), chosen per
 * quantity; rtol bounds every other element relative to itself, so a 1 % error fails wherever
 * |want| > atol / (0.01 − rtol).
 */
export interface Tolerance {
  rtol: number
  atol: number
}

/** Absolute value of the largest finite element: the scale of an output, for an atol proportional to it. */
export const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) m = Math.max(m, Math.abs(a[i]))
  return m
}

/**
 * Every element within its bound |got − want| ≤ rtol·|want| + atol; a non-finite `want` must be
 * matched exactly. A failure names the worst element (index, got, want, bound), how many
 * elements are off, and the seed of the running test.
 */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what = ''): void {
  const { rtol, atol } = tol
  if (!(rtol >= 0 && rtol < 0.01 && atol >= 0 && Number.isFinite(atol)))
    throw new Error(
      `expectClose: rtol must lie in [0, 0.01) and atol be finite and ≥ 0, got rtol ${rtol}, atol ${atol}`,
    )
  const label = what ? `${what}: ` : ''
  if (got.length !== want.length)
    throw new Error(`${label}got ${got.length} elements, want ${want.length}${seedNote()}`)
  let [worst, worstRatio, off] = [-1, 0, 0]
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i], want[i]]
    const ok = Number.isFinite(w) ? Math.abs(g - w) <= rtol * Math.abs(w) + atol : Object.is(g, w)
    if (ok) continue
    off++
    const ratio = Number.isFinite(w) ? Math.abs(g - w) / (rtol * Math.abs(w) + atol) : Infinity
    if (worst < 0 || !(ratio <= worstRatio)) [worst, worstRatio] = [i, ratio]
  }
  if (off === 0) return
  const [g, w] = [got[worst], want[worst]]
  throw new Error(
    `${label}${off} of ${want.length} elements off; worst at index ${worst}: got ${g}, want ${w}, ` +
      `|got − want| = ${Math.abs(g - w)} > bound ${rtol * Math.abs(w) + atol} (rtol ${rtol}·|want| + atol ${atol})${seedNote()}`,
  )
}

/**
 * Every element within rtol of the reference, relative to its own size, with an absolute floor of
 * `floor`·max|want| (elements that cancel to near 0 carry the rounding of their large terms). With
 * rtol 1e-4 and floor 1e-2 (the float32 kernels' checks), a 1% error fails on every element above
 * 1e-4·max, and over 60 seeds the two-convolution gradients stay within a fifth of the bound.
 */
export function expectElementwise(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  floor: number,
  what: string,
) {
  expect(got.length, `${what}: length`).toBe(want.length)
  let scale = 0
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]))
  for (let i = 0; i < want.length; i++) {
    const bound = rtol * (Math.abs(want[i]) + floor * scale)
    if (!(Math.abs(got[i] - want[i]) <= bound))
      throw new Error(
        `${what}: element ${i} is ${got[i]}, the reference ${want[i]} (allowed ±${bound.toExponential(2)})`,
      )
  }
}

/** The most elements a plan's stored buffers hold at once, walking its steps as the executor allocates and frees them. */
export function livePeak(plan: Plan): number {
  const elements = new Map(plan.buffers.map((b) => [b.name, b.shape.reduce((x, y) => x * y, 1)]))
  let [live, peak] = [0, 0]
  for (const st of plan.steps) {
    const buf = st.k === 'launch' ? st.kernel.out.buf : st.k === 'host' ? st.out : st.buf
    live += st.k === 'free' ? -elements.get(buf)! : elements.get(buf)!
    peak = Math.max(peak, live)
  }
  return peak
}
