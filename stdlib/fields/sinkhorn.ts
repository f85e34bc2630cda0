import { dsl, logsumexp, softmax, zeros, type Mat, type f32 } from '../../dsl/index.js'
import { laplaceLogits } from '../similarity/laplace.js'
import { attractionMinusRepulsion } from './parts.js'

/**
 * Barycentric (row-normalized) entropic plan: log-domain Sinkhorn on the logits L = log K with
 * uniform marginals r = 1/N, c = 1/M, `iters` alternate row/column logsumexp updates (unrolled), then
 * P = Π / rowsum(Π) = softmax_y(L + g) (the row potential f cancels).
 */
export const barycentricPlan = (logits: Mat, iters: number): Mat => {
  const [n, m] = logits.shape
  let g: Mat = zeros([1, m])
  for (let t = 0; t < iters; t++) {
    const f = logsumexp(logits.add(g), 1, true).neg().sub(Math.log(n))
    g = logsumexp(logits.add(f), 0, true).neg().sub(Math.log(m))
  }
  return softmax(logits.add(g), 1)
}

/**
 * Sinkhorn drifting (He et al., arXiv 2603.12366; code `core/drifting_loss.py`;
 * docs/paper.md#sinkhorn-drifting), "cross minus self" with two-sided couplings: V = P_xy Y − P_xx X,
 * the centroids under P, the barycentric Sinkhorn plans of the Laplace cost exp(−‖x − y‖/ε) (ε = `tau`).
 * No diagonal mask (as in the code); `neg` is the generated batch itself. `iters` (T, 20–30 in the
 * code) is static.
 */
export const sinkhornField = dsl(
  (x: Mat, pos: Mat, neg: Mat, tau: f32, iters: number): Mat => {
    // the centroid of targets y under their barycentric plan
    const planCentroid = (d: Mat, y: Mat) => barycentricPlan(laplaceLogits(d, tau), iters).matmul(y)
    return attractionMinusRepulsion(x, pos, neg, planCentroid, { masked: false })
  },
  { static: ['iters'] },
)
