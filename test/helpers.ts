/** Shared test helpers: compile a DSL export to L1, random inputs, float64 comparisons. */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { specialize, type ArgSpec, type Specialized } from '../compiler/frontend/specialize.js'
import { formatDiagnostic, type Diagnostic } from '../compiler/frontend/diagnostics.js'
import { interpret } from '../compiler/ir/interpret.js'
import type { NDArray, Precision } from '../compiler/ir/ndarray.js'
import type { DType } from '../compiler/ir/types.js'

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

/** A seeded PRNG (mulberry32) so failures reproduce; each test draws fresh values per seed. */
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

export const freshSeed = () => (Math.random() * 2 ** 31) | 0

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

/** max |got − want| / max(1, max |want|) below tol, elementwise shapes equal. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-9, what = ''): void {
  expect(got.length, `${what} length`).toBe(want.length)
  let scale = 1
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]))
  let worst = 0
  let at = -1
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i])
    if (!(d <= worst)) {
      worst = d
      at = i
    }
  }
  if (!(worst / scale <= tol))
    throw new Error(`${what} mismatch at ${at}: got ${got[at]}, want ${want[at]} (rel ${worst / scale} > ${tol})`)
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
