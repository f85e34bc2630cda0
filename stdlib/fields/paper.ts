import { cdist, concat, dsl, type Mat, type f32 } from '../../dsl/index.js'
import { biSoftmax, jointWeights, maskedDist } from './parts.js'

/**
 * The drifting field of "Generative Modeling via Drifting" (Deng et al., 2026), Algorithm 2:
 * joint logits over [positives | negatives], affinities normalized over the targets and over the
 * samples, and the weighted attraction minus repulsion. `neg` is the batch of generated samples
 * itself, so each sample's distance to itself is masked (+1e6).
 */
export const paperField = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32): Mat => {
  // L = −[D⁺ | D⁻ + self mask]/τ
  const logits = concat([cdist(x, pos), maskedDist(x, neg)], 1).div(-tau)
  // A = √(softmax_y L ⊙ softmax_x L)
  const a = biSoftmax(logits)
  // W⁺ = A⁺ ⊙ rowsum(A⁻), W⁻ = A⁻ ⊙ rowsum(A⁺)
  const [wPos, wNeg] = jointWeights(a, pos.shape[0])
  return wPos.matmul(pos).sub(wNeg.matmul(neg))
})
