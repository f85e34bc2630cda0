/** Shared test helpers: compile a DSL export to L1, random inputs, float64 comparisons. */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { specialize, type ArgSpec, type Specialized } from '../compiler/frontend/specialize.js'
import { formatDiagnostic, type Diagnostic } from '../compiler/frontend/diagnostics.js'
import { interpret } from '../compiler/ir/interpret.js'
import type { NDArray, Precision } from '../compiler/ir/ndarray.js'
import type { Atom, DType, Graph } from '../compiler/ir/types.js'

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

const shapeOf = (a: Atom) => (a.kind === 'var' ? a.shape : [])
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1)

/** The longest chain of terms any one output element sums or folds over: max(1, …). */
export function accumulationLength(graph: Graph): number {
  let longest = 1
  for (const e of graph.eqns) {
    const [a, b] = e.inputs.map(shapeOf)
    const p = e.params as { axes?: number[]; axis?: number }
    let n = 1
    switch (e.prim) {
      case 'reduce_sum':
      case 'reduce_max':
      case 'reduce_min':
        n = prod(p.axes!.map((ax) => a[ax]))
        break
      case 'reduce':
      case 'scan':
        n = a[p.axis!]
        break
      case 'matmul': // [.., M, K] @ [.., K, N]
      case 'cdist': // [.., N, D] against [.., M, D]
        n = a[a.length - 1]
        break
      case 'conv2d': // x [N,C,H,W], w [O,C,KH,KW]: C·KH·KW taps
        n = b[1] * b[2] * b[3]
        break
      case 'conv2d_grad_input': // ct [N,O,OH,OW], w [O,C,KH,KW]: at most O·KH·KW taps per input
        n = b[0] * b[2] * b[3]
        break
      case 'conv2d_grad_filter': // x, ct [N,O,OH,OW]: N·OH·OW taps per filter weight
        n = b[0] * b[2] * b[3]
        break
      case 'scatter_add': // idx, values: every index may hit one row
        n = prod(a)
        break
    }
    longest = Math.max(longest, n)
  }
  return longest
}
