/**
 * The drift loss's ablation variants (paper Table 1, Table 11, App. A.6; docs/mnist.md#loss-variants):
 * compile-time settings of `driftLoss`, each variant its own program. The default is the official loss.
 */

/** The temperatures of every configuration (paper Table 8; the configs list them as [0.2, 0.05, 0.02]). */
export const TEMPERATURES = [0.02, 0.05, 0.2]

/**
 * How the affinity A is made from the logits L = −d/τ (paper Table 11): `both`, √(softmax over the
 * targets ⊙ softmax over the generated rows) floored at 1e−3 (the official code); `row`, the
 * softmax over the targets; `none`, exp(L − max L), the kernel itself up to one factor per key.
 */
export const KERNEL_NORMALIZATIONS = ['both', 'row', 'none'] as const
export type KernelNormalization = (typeof KERNEL_NORMALIZATIONS)[number]

export interface DriftLossVariant {
  /** a and b of V = a·V⁺ − b·V⁻, the scales of attraction and repulsion (paper Table 1) */
  attraction: number
  repulsion: number
  normalize: KernelNormalization
  /** the temperatures whose normalized drifts are summed (App. A.6), each above 0 */
  temperatures: number[]
  /**
   * the least value of the `both` affinity, √(max(row·col, floor²)): the official code's 1e−3; 0
   * leaves the affinity as the softmaxes make it (docs/mnist.md#loss-variants says what it changes)
   */
  affinityFloor: number
}

/** The least affinity of the official code: √(clip(row·col, 1e−6)). */
export const OFFICIAL_AFFINITY_FLOOR = 1e-3

/** The official loss: V⁺ − V⁻, both softmaxes, the three temperatures. */
export const DEFAULT_LOSS_VARIANT: DriftLossVariant = {
  attraction: 1,
  repulsion: 1,
  normalize: 'both',
  temperatures: TEMPERATURES,
  affinityFloor: OFFICIAL_AFFINITY_FLOOR,
}
