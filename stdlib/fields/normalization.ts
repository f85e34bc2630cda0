import { dsl, softmax, type Mat, type f32 } from '../../dsl/index.js'
import { laplaceLogits } from '../similarity/laplace.js'
import { jointField, jointLogits } from './parts.js'

/**
 * Kernel-normalization ablation "softmax over y" (paper Table 11, App. B.2): Algorithm 2 with the
 * joint softmax over targets only, A = softmax_y(−[D⁺ | D⁻]/τ); equals s⁺s⁻(m⁺ − m⁻)
 * (docs/paper.md#kernel-normalization).
 */
export const softmaxYField = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32): Mat =>
  jointField(softmax(jointLogits(laplaceLogits, x, pos, neg, tau), 1), pos, neg),
)

/**
 * Kernel-normalization ablation "no normalization" (paper Table 11): A = K = exp(−[D⁺ | D⁻]/τ),
 * V = rowsum(K⁻)·K⁺Y⁺ − rowsum(K⁺)·K⁻Y⁻ = Z⁺Z⁻(m⁺ − m⁻). Raw exponentials: keep τ at the scale of the
 * distances (they underflow to 0 when τ ≪ r).
 */
export const unnormalizedField = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32): Mat =>
  jointField(jointLogits(laplaceLogits, x, pos, neg, tau).exp(), pos, neg),
)
