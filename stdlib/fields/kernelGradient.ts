import { dsl, softmax, type Mat, type f32 } from '../../dsl/index.js'
import { laplaceLogits } from '../similarity/laplace.js'
import { attractionMinusRepulsion, displacement } from './parts.js'

/**
 * Kernel-gradient drifting (Esteban-Casadevall et al., arXiv 2605.10727; Sinkhorn-Drifting's
 * `drift_unit_vec=True`; docs/paper.md#kernel-gradient) for the Laplace kernel: unit displacements
 * instead of displacements, V = ∇log(p∗k) − ∇log(q∗k) = (1/τ)[Σⱼ softmax(−D⁺/τ)ᵢⱼ uᵢⱼ − Σₖ softmax(−D⁻/τ)ᵢₖ uᵢₖ],
 * uᵢⱼ = (yⱼ − xᵢ)/‖yⱼ − xᵢ‖, each half written as Σⱼ (πᵢⱼ/rᵢⱼ)(yⱼ − xᵢ).
 */
export const kernelGradientField = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32): Mat => {
  // the mean unit shift Σⱼ πⱼuⱼ toward targets y, π the softmax of the Laplace logits
  const meanShift = (d: Mat, y: Mat) => displacement(softmax(laplaceLogits(d, tau), 1).div(d), y, x)
  return attractionMinusRepulsion(x, pos, neg, meanShift).div(tau)
})
