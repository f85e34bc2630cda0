import { cdist, dsl, softmax, type Mat, type f32 } from '../../dsl/index.js'
import { maskedDist } from './parts.js'

/**
 * Literal mean-shift field, paper Eq. (8)–(10) ("split" in Sinkhorn-Drifting's code, also
 * DriftXpress's exact form): V = softmax_y(−D⁺/τ)Y⁺ − softmax_y(−D⁻/τ)Y⁻, two separate normalizers
 * instead of Algorithm 2's joint one (docs/paper.md#split-field).
 */
export const splitField = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32): Mat => {
  const centroid = (d: Mat, y: Mat) => softmax(d.div(-tau), 1).matmul(y)
  return centroid(cdist(x, pos), pos).sub(centroid(maskedDist(x, neg), neg))
})
