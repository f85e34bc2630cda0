import { dsl, type T4, type Vec } from '../../dsl/index.js'

/** Per-channel affine parameters of a normalization: scale and shift [C]. */
export interface NormParams {
  scale: Vec
  shift: Vec
}

/**
 * GroupNorm on NCHW (Wu & He 2018): the C channels form `groups` (static) groups of C/groups channels;
 * each sample's group is normalized by its mean μ and biased variance σ² over (C/groups, H, W):
 * y = (x − μ) / √(σ² + ε) · scale[c] + shift[c].
 */
export const groupNorm = dsl(
  (p: NormParams, x: T4, groups: number, eps = 1e-5): T4 => {
    const [n, c, h, w] = x.shape
    const g = x.reshape([n, groups, -1])
    const centered = g.sub(g.mean(2, true))
    const normed = centered.div(centered.square().mean(2, true).add(eps).sqrt()).reshape([n, c, h, w])
    return normed.mul(p.scale.reshape([1, c, 1, 1])).add(p.shift.reshape([1, c, 1, 1]))
  },
  { static: ['groups', 'eps'] },
)
