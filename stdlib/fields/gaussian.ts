import { dsl, type Mat, type f32 } from '../../dsl/index.js'
import { gaussianLogits } from '../similarity/gaussian.js'
import { attractionMinusRepulsion, centroid } from './parts.js'

/**
 * Gaussian-kernel drifting field (Lai et al., arXiv 2603.07514; docs/paper.md#gaussian-kernel): mean
 * shift with k = exp(−r²/2σ²), V = softmax_y(−D⁺²/2σ²)Y⁺ − softmax_y(−D⁻²/2σ²)Y⁻ = σ²(∇log p_σ − ∇log q_σ),
 * the exact score difference of the Gaussian-smoothed distributions. `sigma` is the bandwidth σ.
 */
export const gaussianField = dsl((x: Mat, pos: Mat, neg: Mat, sigma: f32): Mat =>
  attractionMinusRepulsion(x, pos, neg, (d, y) => centroid(gaussianLogits(d, sigma), y)),
)
