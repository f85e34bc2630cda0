import { cdist, dsl, type Mat, type Scalar } from '../../dsl/index.js'

/** Mean Euclidean distance over all pairs, mean_{i,j} ‖aᵢ − bⱼ‖ (exact: no eps under the root). */
const meanDistance = (a: Mat, b: Mat): Scalar => cdist(a, b, { eps: 0 }).mean()

/**
 * Energy distance between two sample sets (Székely & Rizzo, "Energy statistics", J. Stat. Plann.
 * Inference 2013, eq. 2.2), as the V-statistic of the empirical distributions:
 *   E(X, Y) = 2·mean_{i,j} ‖xᵢ − yⱼ‖ − mean_{i,j} ‖xᵢ − xⱼ‖ − mean_{i,j} ‖yᵢ − yⱼ‖ ≥ 0,
 * symmetric, exactly 0 (up to rounding) for equal sample sets; the sample sizes may differ.
 * For evaluation: with eps = 0 its gradient is undefined at coincident points.
 */
export const energyDistance = dsl((x: Mat, y: Mat): Scalar =>
  meanDistance(x, y).mul(2).sub(meanDistance(x, x)).sub(meanDistance(y, y)),
)
