/**
 * How close a run of a program must come to the float64 reference, output by output, when nothing
 * more specific is known about the output: each element within rtol of itself, above an absolute
 * floor of 16·√L roundings of the output's largest element, L the longest chain of terms any of its
 * elements sums or folds over. Rounding errors of L terms add up like a random walk, to about √L
 * roundings; a sum that cancels to less than the floor is numerically zero, its error being the
 * rounding of its terms, not of itself. Measured on every backend here (the corpus, fields,
 * metrics, training steps; four seeds), the worst error used 6.4 of the 16·√L roundings the floor
 * allows, and 3.3 of the 32 ulps above it.
 */
import { expect } from 'vitest'
import type { NDArray } from '../compiler/ir/ndarray.js'
import type { Atom, Eqn, Graph } from '../compiler/ir/types.js'
import { avalOf } from '../compiler/ir/types.js'
import { primitive } from '../compiler/ir/primitive.js'
import '../compiler/ir/prims/index.js'
import { EPS32, EPS64, expectClose, maxAbs, type Tolerance } from './helpers.js'

/** How many terms one output element of an equation sums or folds over (its registry entry says; 1 for elementwise). */
function termsPerElement(e: Eqn): number {
  return primitive(e.prim).terms?.(e.inputs.map(avalOf), e.params) ?? 1
}

/** Per graph output, the longest chain of terms any of its elements accumulates over its inputs: max(1, …). */
export function accumulationLengths(graph: Graph): number[] {
  const longest = new Map<number, number>()
  const of = (a: Atom) => (a.kind === 'var' ? (longest.get(a.id) ?? 1) : 1)
  for (const e of graph.eqns) {
    const n = Math.max(termsPerElement(e), ...e.inputs.map(of))
    for (const o of e.outputs) longest.set(o.id, n)
  }
  return graph.outputs.map(of)
}

/** A float32 run (interpreter or compiled kernels): 32 ulps of each element, above 16·√L float32 roundings of the largest. */
export const float32Tolerance = (L: number, want: ArrayLike<number>): Tolerance => ({
  rtol: 32 * EPS32,
  atol: 16 * Math.sqrt(L) * EPS32 * maxAbs(want),
})

/** The float64 interpreter (the same formulas in another order): 1e-12 of each element, above 16·√L float64 roundings of the largest. */
export const float64Tolerance = (L: number, want: ArrayLike<number>): Tolerance => ({
  rtol: 1e-12,
  atol: 16 * Math.sqrt(L) * EPS64 * maxAbs(want),
})

/** Every output of a float32 run (the compiled kernels) within float32Tolerance of the float64 reference run of the same graph. */
export function expectFloat32Run(graph: Graph, got: NDArray[], want: NDArray[], what: string): void {
  expect(got.length, `${what}: number of outputs`).toBe(want.length)
  const lengths = accumulationLengths(graph)
  want.forEach((w, i) => {
    const label = `${what} output ${i} (L = ${lengths[i]})`
    if (w.dtype !== 'f32') expect(Array.from(got[i].data), label).toEqual(Array.from(w.data))
    else expectClose(got[i].data, w.data, float32Tolerance(lengths[i], w.data), label)
  })
}

/** Output i of a float64 run of a graph within float64Tolerance of an independent float64 reference (plain loops, a closed form). */
export function expectFloat64Output(
  graph: Graph,
  i: number,
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  what: string,
): void {
  expectClose(got, want, float64Tolerance(accumulationLengths(graph)[i], want), what)
}
