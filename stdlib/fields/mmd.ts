import { dsl, type Mat, type f32 } from '../../dsl/index.js'
import { gaussian } from '../similarity/gaussian.js'
import { attractionMinusRepulsion, displacement } from './parts.js'

/**
 * MMD field (paper App. C.2, Eq. 43–45): unnormalized Gaussian mean shift,
 * V = (1/σ²)[meanⱼ ξⱼ(yⱼ − x) − meanₖ ξₖ(ynₖ − x)], ξ = exp(−r²/2σ²). No self mask is needed: the
 * self term ξ(xᵢ, xᵢ)(xᵢ − xᵢ) is zero (it still counts in the mean over the negatives).
 */
export const mmdField = dsl((x: Mat, pos: Mat, neg: Mat, sigma: f32): Mat => {
  // the unnormalized mean shift meanⱼ ξⱼ(yⱼ − x) toward targets y
  const meanShift = (d: Mat, y: Mat) => displacement(gaussian(d, sigma), y, x).div(y.shape[0])
  return attractionMinusRepulsion(x, pos, neg, meanShift, { masked: false }).div(sigma * sigma)
})
