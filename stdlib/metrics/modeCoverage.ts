import { cdist, dsl, iota, where, type f32, type Mat, type Scalar, type Vec } from '../../dsl/index.js'

/**
 * Mode coverage of samples x [n, d] against the centres c [K, d] of a mixture (as in the mode
 * counts of Srivastava et al., "VEEGAN", NeurIPS 2017, and Metz et al., "Unrolled GANs", 2017):
 * - withinRadius[k] = #{i : ‖xᵢ − c_k‖ ≤ radius}, the samples that hit mode k;
 * - hit[k] = 1 when withinRadius[k] ≥ minCount (a fraction q of the samples is minCount = q·n);
 * - covered = mean_k hit[k], the fraction of modes covered;
 * - mass[k] = #{i : k = argmin_j ‖xᵢ − c_j‖} / n, the fraction of samples nearest to centre k
 *   (ties go to the lowest index, so the masses sum to 1), to compare with the mixture weights
 *   (modeMassError).
 */
export const modeCoverage = dsl(
  (x: Mat, centres: Mat, radius: f32, minCount: f32): { covered: Scalar; hit: Vec; withinRadius: Vec; mass: Vec } => {
    const [n, k] = [x.shape[0], centres.shape[0]]
    const dist = cdist(x, centres, { eps: 0 }) // [n, K]
    const withinRadius = dist.le(radius).astype('f32').sum(0)
    const hit = withinRadius.ge(minCount).astype('f32')
    const modeIndex = iota([n, k], 1, 'f32')
    const nearest = where(dist.eq(dist.min(1, true)), modeIndex, k).min(1, true) // [n, 1], first argmin
    const mass = nearest.eq(modeIndex).astype('f32').mean(0)
    return { covered: hit.mean(), hit, withinRadius, mass }
  },
)

/**
 * How far the per-mode mass is from the mixture weights w: absolute = max_k |mass_k − w_k|,
 * relative = max_k |mass_k − w_k| / w_k ("mass within 10% of the true split" is relative ≤ 0.1).
 */
export const modeMassError = dsl((mass: Vec, weights: Vec): { absolute: Scalar; relative: Scalar } => {
  const gap = mass.sub(weights).abs()
  return { absolute: gap.max(), relative: gap.div(weights).max() }
})
