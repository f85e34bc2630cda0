/**
 * The playground's live drifting, in DSL: particles start as a Gaussian blob at the origin and move
 * by the field being edited, x ← x + η·V(x; pos = data, neg = x, τ) (the particles are their own
 * negatives, as the generated batch is in training).
 */
import { dsl, randomNormal, type Key, type Mat, type f32 } from '../dsl/index.js'

type Field = (x: Mat, pos: Mat, neg: Mat, tau: f32) => Mat

/** n particles drawn from N(0, σ²I) in the plane. */
export const startParticles = dsl((key: Key, n: number, sigma: number): Mat => randomNormal(key, [n, 2]).mul(sigma), {
  static: ['n', 'sigma'],
})

/** One drifting step: every particle moves by η times the field at it. */
export const driftStep = dsl((field: Field, x: Mat, data: Mat, tau: f32, eta: f32): Mat =>
  x.add(field(x, data, x, tau).mul(eta)),
)
