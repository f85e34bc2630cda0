/**
 * The pieces the drifting fields share, named as docs/paper.md names them: the distances D (to the
 * negatives with the self mask), the logits L = log k(D) of a similarity kernel k, the affinities A,
 * Algorithm 2's weights W, the mean-shift centroid m, and V = V⁺ − V⁻, the attraction toward the
 * positives minus the repulsion from the negatives.
 */
import { cdist, concat, eye, logSoftmax, softmax, split, type Mat, type f32 } from '../../dsl/index.js'

/** `neg` is the generated batch itself: push xᵢ's distance to itself (neg row i) out of reach. */
export const selfMask = (x: Mat, neg: Mat): Mat => eye(x.shape[0], neg.shape[0]).mul(1e6)

/** D⁻ + self mask: the distances to the negatives, each sample's own out of reach. */
export const maskedDist = (x: Mat, neg: Mat): Mat => cdist(x, neg).add(selfMask(x, neg))

/** The joint logits L = [log k(D⁺) | log k(D⁻ + self mask)] over all targets; `logitsOf` gives log k. */
export const jointLogits = (logitsOf: (d: Mat, scale: f32) => Mat, x: Mat, pos: Mat, neg: Mat, scale: f32): Mat =>
  concat([logitsOf(cdist(x, pos), scale), logitsOf(maskedDist(x, neg), scale)], 1)

/**
 * The affinities A = √(softmax_y L ⊙ softmax_x L) of Algorithm 2, as exp of the mean of the two
 * log-softmaxes: the same value, and a finite gradient where an entry underflows to 0 (the masked
 * diagonal, where √ has an infinite slope).
 */
export const biSoftmax = (logits: Mat): Mat => logSoftmax(logits, 1).add(logSoftmax(logits, 0)).mul(0.5).exp()

/** Algorithm 2's weights from joint affinities [A⁺ | A⁻]: W⁺ = A⁺ ⊙ rowsum(A⁻), W⁻ = A⁻ ⊙ rowsum(A⁺). */
export const jointWeights = (a: Mat, nPos: number): Mat[] => {
  const [aPos, aNeg] = split(a, [nPos], 1)
  return [aPos.mul(aNeg.sum(1, true)), aNeg.mul(aPos.sum(1, true))]
}

/** Algorithm 2 from joint affinities: V = W⁺Y⁺ − W⁻Y⁻. */
export const jointField = (a: Mat, pos: Mat, neg: Mat): Mat => {
  const [wPos, wNeg] = jointWeights(a, pos.shape[0])
  return wPos.matmul(pos).sub(wNeg.matmul(neg))
}

/**
 * The weighted displacement Σⱼ wᵢⱼ (yⱼ − xᵢ) = W Y − rowsum(W) ⊙ x: the attraction V⁺ with the positives'
 * weights, the repulsion V⁻ with the negatives'.
 */
export const displacement = (w: Mat, y: Mat, x: Mat): Mat => w.matmul(y).sub(w.sum(1, true).mul(x))

/**
 * The mean-shift centroid m = softmax_y(L) Y (Eq. 8–9 on a batch): the targets averaged under the
 * normalized kernel, so that the mean shift toward them is m − x.
 */
export const centroid = (logits: Mat, y: Mat): Mat => softmax(logits, 1).matmul(y)

/**
 * Eq. 10 for a field whose two halves are one formula `half(D, Y)`, each with its own normalizer:
 * V = half(D⁺, Y⁺) − half(D⁻, Y⁻), the attraction toward the positives minus the repulsion from the
 * negatives. D⁻ carries the self mask unless `masked` is false. A half may be the centroid m instead
 * of the mean shift m − x: x cancels in the difference.
 */
export const attractionMinusRepulsion = (
  x: Mat,
  pos: Mat,
  neg: Mat,
  half: (d: Mat, y: Mat) => Mat,
  { masked = true } = {},
): Mat => half(cdist(x, pos), pos).sub(half(masked ? maskedDist(x, neg) : cdist(x, neg), neg))
