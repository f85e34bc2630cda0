import { dsl, eye, type Mat, type Scalar, type Vec } from '../../dsl/index.js'
import { multiBandwidthGaussian } from './multiBandwidthGaussian.js'

/** Mean of the off-diagonal entries of a square matrix: Σ_{i≠j} K[i, j] / n(n − 1). */
const offDiagonalMean = (k: Mat): Scalar => {
  const n = k.shape[0]
  return k
    .mul(eye(n, n).neg().add(1))
    .sum()
    .div(n * (n - 1))
}

/**
 * Unbiased squared MMD (Gretton et al., JMLR 2012, eq. 3) with the multi-bandwidth Gaussian kernel
 * k(a, b) = Σ_σ exp(−‖a − b‖²/2σ²):
 *   MMD²_u = Σ_{i≠j} k(xᵢ, xⱼ)/n(n−1) + Σ_{i≠j} k(yᵢ, yⱼ)/m(m−1) − 2 Σ_{i,j} k(xᵢ, yⱼ)/nm.
 * An unbiased estimate of MMD²(P, Q): it can be slightly negative, and is ≈ 0 (not exactly 0) when
 * x and y come from one distribution; mmd2Unbiased(x, x) is not 0 (use mmd2Biased for that).
 * Linear in the kernel, so the value for several bandwidths is the sum of the single-bandwidth values.
 */
export const mmd2Unbiased = dsl((x: Mat, y: Mat, sigmas: Vec): Scalar => {
  const kxy = multiBandwidthGaussian(x, y, sigmas).mean()
  return offDiagonalMean(multiBandwidthGaussian(x, x, sigmas))
    .add(offDiagonalMean(multiBandwidthGaussian(y, y, sigmas)))
    .sub(kxy.mul(2))
})

/**
 * Biased (V-statistic) squared MMD, the squared RKHS distance between the two empirical mean
 * embeddings (Gretton et al., JMLR 2012, eq. 5), same kernel as mmd2Unbiased:
 *   MMD²_b = Σ_{i,j} k(xᵢ, xⱼ)/n² + Σ_{i,j} k(yᵢ, yⱼ)/m² − 2 Σ_{i,j} k(xᵢ, yⱼ)/nm ≥ 0,
 * exactly 0 (up to rounding) when the two sample sets are equal as multisets.
 */
export const mmd2Biased = dsl((x: Mat, y: Mat, sigmas: Vec): Scalar => {
  const k = (a: Mat, b: Mat) => multiBandwidthGaussian(a, b, sigmas).mean()
  return k(x, x).add(k(y, y)).sub(k(x, y).mul(2))
})
