import { dsl, type Mat, type f32 } from '../../dsl/index.js'
import { laplaceLogits } from '../similarity/laplace.js'
import { attractionMinusRepulsion, centroid } from './parts.js'

/**
 * Literal mean-shift field, paper Eq. (8)–(10) ("split" in Sinkhorn-Drifting's code, also
 * DriftXpress's exact form): V = softmax_y(−D⁺/τ)Y⁺ − softmax_y(−D⁻/τ)Y⁻ = m⁺ − m⁻, two separate
 * normalizers instead of Algorithm 2's joint one (docs/paper.md#split-field).
 */
export const splitField = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32): Mat =>
  attractionMinusRepulsion(x, pos, neg, (d, y) => centroid(laplaceLogits(d, tau), y)),
)
