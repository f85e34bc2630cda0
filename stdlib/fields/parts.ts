/** Pieces shared by the drifting fields: the self mask, displacements, Algorithm 2's weights. */
import { cdist, concat, eye, logSoftmax, split, type Mat, type f32 } from '../../dsl/index.js'

/** `neg` is the generated batch itself: push xᵢ's distance to itself (neg row i) out of reach. */
export const selfMask = (x: Mat, neg: Mat): Mat => eye(x.shape[0], neg.shape[0]).mul(1e6)

/** Distances to the negatives with the self mask added. */
export const maskedDist = (x: Mat, neg: Mat): Mat => cdist(x, neg).add(selfMask(x, neg))

/** Σⱼ wᵢⱼ (yⱼ − xᵢ) = W Y − rowsum(W) ⊙ x. */
export const displacement = (w: Mat, y: Mat, x: Mat): Mat => w.matmul(y).sub(w.sum(1, true).mul(x))

/** Joint logits over [positives | masked negatives] for a kernel given by its log form. */
export const jointLogits = (logK: (r: Mat, tau: f32) => Mat, x: Mat, pos: Mat, neg: Mat, tau: f32): Mat =>
  concat([logK(cdist(x, pos), tau), logK(maskedDist(x, neg), tau)], 1)

/**
 * The paper's normalization √(softmax_y L ⊙ softmax_x L), as exp of the mean of the two log-softmaxes:
 * the same value, and a finite gradient where an entry underflows to 0 (the masked diagonal, where
 * √ has an infinite slope).
 */
export const biSoftmax = (logits: Mat): Mat => logSoftmax(logits, 1).add(logSoftmax(logits, 0)).mul(0.5).exp()

/** Algorithm 2's weights from a joint affinity [A⁺ | A⁻]: W⁺ = A⁺ ⊙ rowsum(A⁻), W⁻ = A⁻ ⊙ rowsum(A⁺). */
export const jointWeights = (a: Mat, nPos: number): Mat[] => {
  const [aPos, aNeg] = split(a, [nPos], 1)
  return [aPos.mul(aNeg.sum(1, true)), aNeg.mul(aPos.sum(1, true))]
}

/** Algorithm 2 from a joint affinity: W⁺Y⁺ − W⁻Y⁻. */
export const jointField = (a: Mat, pos: Mat, neg: Mat): Mat => {
  const [wPos, wNeg] = jointWeights(a, pos.shape[0])
  return wPos.matmul(pos).sub(wNeg.matmul(neg))
}
