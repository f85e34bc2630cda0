import { dsl, softmax, type Mat, type f32 } from '../../dsl/index.js'
import { laplaceLogits } from '../similarity/laplace.js'
import { laplaceSharpRatio } from '../similarity/sharp.js'
import { attractionMinusRepulsion, displacement } from './parts.js'

/**
 * Sharp-kernel normalization ("Drifting Fields are not Conservative", arXiv 2604.06333;
 * docs/paper.md#sharp-kernel): V♯ = N_Y/Z♯_Y − N_Yn/Z♯_Yn with N = Σ k(x,y)(y − x), Z♯ = Σ k♯(x,y)
 * and k♯ = (1 + r/τ)e^{−r/τ}; conservative, V♯ = τ²∇log(Z♯_Y/Z♯_Yn). Written stably through the softmax
 * π of the Laplace logits: N/Z♯ = Σ π(y − x) / Σ π·(k♯/k). Constants of the paper itself: not verified.
 */
export const sharpField = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32): Mat => {
  // the sharp mean shift N/Z♯ toward targets y
  const meanShift = (d: Mat, y: Mat) => {
    const pi = softmax(laplaceLogits(d, tau), 1)
    return displacement(pi, y, x).div(pi.mul(laplaceSharpRatio(d, tau)).sum(1, true))
  }
  return attractionMinusRepulsion(x, pos, neg, meanShift)
})
