import { map, type Shape, type Tensor, type f32 } from '../../dsl/index.js'

/**
 * The sharp companion of the Laplace kernel, k♯(r) = (1 + r/τ)e^{−r/τ} ∝ ∫_r^∞ s·k(s) ds, so that
 * τ²∇ₓk♯(‖x − y‖) = k(x, y)(y − x) ("Drifting Fields are not Conservative", arXiv 2604.06333;
 * docs/paper.md#sharp-kernel). Numerically the Matérn 3/2 kernel.
 */
export const laplaceSharpAt = (r: number, tau: number): number => (1 + r / tau) * Math.exp(-r / tau)

export const laplaceSharp = <S extends Shape>(r: Tensor<S>, tau: f32): Tensor<S> =>
  map(r, (d) => laplaceSharpAt(d, tau))

/** log k♯ = log(1 + r/τ) − r/τ, as logits. */
export const laplaceSharpLogits = <S extends Shape>(r: Tensor<S>, tau: f32): Tensor<S> =>
  map(r, (d) => Math.log1p(d / tau) - d / tau)

/** The ratio k♯/k = 1 + r/τ: the sharp normalizer as an expectation under the softmax of the Laplace logits. */
export const laplaceSharpRatio = <S extends Shape>(r: Tensor<S>, tau: f32): Tensor<S> => r.div(tau).add(1)
