import { dsl, type Mat, type f32 } from '../../dsl/index.js'
import { laplaceLogits } from '../similarity/laplace.js'
import { biSoftmax, displacement, jointLogits, jointWeights } from './parts.js'

/**
 * The anti-symmetry study of paper Table 1: V = a·V⁺ − b·V⁻ with V± = Σ W±(Y± − x) the attraction
 * and repulsion of Algorithm 2 (our reading of the table's "other destructive cases are defined in
 * similar ways"; docs/paper.md#destructive-scalings). a = b = 1 is the paper field; any a ≠ b breaks
 * anti-symmetry, so V_{p,p} ≠ 0. `a`, `b` are traced scalars here.
 */
const scaledHalves = (x: Mat, pos: Mat, neg: Mat, tau: f32, a: number, b: number): Mat => {
  const [wPos, wNeg] = jointWeights(biSoftmax(jointLogits(laplaceLogits, x, pos, neg, tau)), pos.shape[0])
  const [attraction, repulsion] = [displacement(wPos, pos, x), displacement(wNeg, neg, x)]
  return attraction.mul(a).sub(repulsion.mul(b))
}

export const scaledField = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32, a: f32, b: f32): Mat =>
  scaledHalves(x, pos, neg, tau, a, b),
)

/** The same with compile-time a, b (constants of the compiled program). */
export const scaledFieldStatic = dsl(
  (x: Mat, pos: Mat, neg: Mat, tau: f32, a: number, b: number): Mat => scaledHalves(x, pos, neg, tau, a, b),
  {
    static: ['a', 'b'],
  },
)

/** Table 1 "attraction-only" (FID 177.14): V = V⁺. Destructive: V_{p,p} ≠ 0. */
export const attractionOnlyField = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32): Mat =>
  scaledHalves(x, pos, neg, tau, 1, 0),
)

/** Table 1 "2.0× repulsion" (FID 112.84): V = V⁺ − 2V⁻. Destructive. */
export const doubleRepulsionField = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32): Mat =>
  scaledHalves(x, pos, neg, tau, 1, 2),
)
