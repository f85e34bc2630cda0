import { cdist, concat, dsl, eye, logSoftmax, split, type Mat, type f32 } from '../../dsl/index.js'

/**
 * The drifting field of "Generative Modeling via Drifting" (Deng et al., 2026), Algorithm 2:
 * joint logits over [positives | negatives], softmax over targets and over samples, the
 * geometric mean of the two, and the anti-symmetric attraction minus repulsion.
 * `neg` is the batch of generated samples itself, so its diagonal is masked (self-distance + 1e6).
 */
export const paperField = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32): Mat => {
  const selfMask = eye(x.shape[0], neg.shape[0]).mul(1e6)
  const logits = concat([cdist(x, pos), cdist(x, neg).add(selfMask)], 1).div(-tau)
  // normalize over targets and over samples: √(softmax_y ⊙ softmax_x), as exp of the mean log-softmax
  // (the same value, and a finite gradient where an entry underflows to 0, as on the masked diagonal)
  const a = logSoftmax(logits, 1).add(logSoftmax(logits, 0)).mul(0.5).exp()
  const [aPos, aNeg] = split(a, [pos.shape[0]], 1)
  const wPos = aPos.mul(aNeg.sum(1, true))
  const wNeg = aNeg.mul(aPos.sum(1, true))
  return wPos.matmul(pos).sub(wNeg.matmul(neg))
})
