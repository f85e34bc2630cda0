import { map, type Shape, type Tensor, type f32 } from '../../dsl/index.js'

/** The Gaussian kernel k(r) = exp(−r²/2σ²) of one distance (Lai et al. 2603.07514; the MMD field's ξ). */
export const gaussianAt = (r: number, sigma: number): number => Math.exp(-(r * r) / (2 * sigma * sigma))

/** The Gaussian kernel of a distance tensor, elementwise. */
export const gaussian = <S extends Shape>(r: Tensor<S>, sigma: f32): Tensor<S> => map(r, (d) => gaussianAt(d, sigma))

/** log k(r) = −r²/2σ², as logits. */
export const gaussianLogits = <S extends Shape>(r: Tensor<S>, sigma: f32): Tensor<S> =>
  map(r, (d) => -(d * d) / (2 * sigma * sigma))
