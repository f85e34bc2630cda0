import { map, type Shape, type Tensor, type f32 } from '../../dsl/index.js'

/** The Laplace kernel k(r) = exp(−r/τ) of one L2 distance (paper Eq. 12; Matérn ν = 1/2). */
export const laplaceAt = (r: number, tau: number): number => Math.exp(-r / tau)

/** The Laplace kernel of a distance tensor, elementwise. */
export const laplace = <S extends Shape>(r: Tensor<S>, tau: f32): Tensor<S> => map(r, (d) => laplaceAt(d, tau))

/** log k(r) = −r/τ: the logits of the paper's softmax (Algorithm 2). */
export const laplaceLogits = <S extends Shape>(r: Tensor<S>, tau: f32): Tensor<S> => r.div(-tau)
