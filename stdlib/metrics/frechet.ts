import { dsl, eye, type Mat, type Scalar, type Vec } from '../../dsl/index.js'
import { sqrtm } from './matrixSqrt.js'

/** Unbiased sample covariance of the rows of f [n, d]: (F − mean)ᵀ(F − mean)/(n − 1) (numpy.cov, as in FID). */
export const covariance = (f: Mat): Mat => {
  const centred = f.sub(f.mean(0, true))
  return centred.T.matmul(centred).div(f.shape[0] - 1)
}

const trace = (m: Mat): Scalar => m.mul(eye(m.shape[0], m.shape[0])).sum()

/**
 * Squared Fréchet (2-Wasserstein) distance between N(μ₁, Σ₁) and N(μ₂, Σ₂) (Dowson & Landau,
 * J. Multivariate Anal. 1982; the FID of Heusel et al., NeurIPS 2017):
 *   d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2}).
 * tr((Σ₁Σ₂)^{1/2}) is computed in the symmetric form tr((Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}) (equal: the
 * two matrices are similar), both square roots by the coupled Newton–Schulz iteration (sqrtm,
 * `iters` steps each), the inner matrix symmetrized against rounding. Float32 accuracy is about
 * 1e−5·tr(Σ₁ + Σ₂): values near 0 may come out slightly negative.
 */
export const gaussianFrechet = dsl(
  (mu1: Vec, sigma1: Mat, mu2: Vec, sigma2: Mat, iters = 30): Scalar => {
    const root1 = sqrtm(sigma1, iters)
    const inner = root1.matmul(sigma2).matmul(root1)
    const cross = sqrtm(inner.add(inner.T).div(2), iters)
    return mu1
      .sub(mu2)
      .square()
      .sum()
      .add(trace(sigma1.add(sigma2).sub(cross.mul(2))))
  },
  { static: ['iters'] },
)

/**
 * Fréchet distance between two feature sets f₁ [n₁, d] and f₂ [n₂, d] (FID when the features
 * are Inception activations): gaussianFrechet of their means and unbiased covariances.
 */
export const frechetDistance = dsl(
  (f1: Mat, f2: Mat, iters = 30): Scalar =>
    gaussianFrechet(f1.mean(0), covariance(f1), f2.mean(0), covariance(f2), iters),
  { static: ['iters'] },
)
