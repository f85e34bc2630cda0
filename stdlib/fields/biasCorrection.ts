import { dsl, softmax, type Mat, type f32 } from '../../dsl/index.js'
import { laplaceLogits } from '../similarity/laplace.js'
import { attractionMinusRepulsion } from './parts.js'

/**
 * Analytical bias correction of the minibatch softmax centroid (Zhang et al., arXiv 2604.27239;
 * formula reconstructed by the delta method, not verified against the paper's own text):
 * m_ABC = m + Σⱼ πⱼ²(yⱼ − m), π = softmax_y(−D/τ), m = πY; applied to both centroids of the split
 * field, V = m_ABC(Y⁺) − m_ABC(Y⁻).
 */
export const biasCorrectedField = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32): Mat => {
  // the bias-corrected centroid m_ABC = m + Σⱼ πⱼ²(yⱼ − m) of targets y
  const correctedCentroid = (d: Mat, y: Mat) => {
    const pi = softmax(laplaceLogits(d, tau), 1)
    const m = pi.matmul(y)
    return m.add(pi.square().matmul(y)).sub(pi.square().sum(1, true).mul(m))
  }
  return attractionMinusRepulsion(x, pos, neg, correctedCentroid)
})
