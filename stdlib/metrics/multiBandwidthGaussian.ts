import { cdist, type Mat, type Vec } from '../../dsl/index.js'

/**
 * Sum of Gaussian kernels over a list of bandwidths, for every pair of rows:
 * K[i, j] = Σ_b exp(−‖xᵢ − yⱼ‖² / 2σ_b²), an [n, m] matrix (the multi-bandwidth kernel of
 * Gretton et al., "A Kernel Two-Sample Test", JMLR 2012, §6 / Li et al., "Generative Moment
 * Matching Networks", 2015). The bandwidths are a traced vector: new values never recompile.
 */
export const multiBandwidthGaussian = (x: Mat, y: Mat, sigmas: Vec): Mat => {
  const [n, m, b] = [x.shape[0], y.shape[0], sigmas.shape[0]]
  const sq = cdist(x, y, { squared: true }).reshape([n, m, 1])
  const twoSigmaSq = sigmas.square().mul(2).reshape([1, 1, b])
  return sq.div(twoSigmaSq).neg().exp().sum(2)
}
