import { cdist, dsl, softmax, type Mat, type f32 } from '../../dsl/index.js'
import { laplaceLogits } from '../similarity/laplace.js'
import { displacement, maskedDist } from './parts.js'

/**
 * Kernel-gradient drifting (Esteban-Casadevall et al., arXiv 2605.10727; Sinkhorn-Drifting's
 * `drift_unit_vec=True`; docs/paper.md#kernel-gradient) for the Laplace kernel: unit displacements
 * instead of displacements, V = ∇log(p∗k) − ∇log(q∗k) = (1/τ)[Σⱼ softmax(−D⁺/τ)ᵢⱼ uᵢⱼ − Σₖ softmax(−D⁻/τ)ᵢₖ uᵢₖ],
 * uᵢⱼ = (yⱼ − xᵢ)/‖yⱼ − xᵢ‖, written as Σⱼ (wᵢⱼ/rᵢⱼ)(yⱼ − xᵢ).
 */
export const kernelGradientField = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32): Mat => {
  const scoreOf = (d: Mat, y: Mat) => displacement(softmax(laplaceLogits(d, tau), 1).div(d), y, x)
  return scoreOf(cdist(x, pos), pos)
    .sub(scoreOf(maskedDist(x, neg), neg))
    .div(tau)
})
