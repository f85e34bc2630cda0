import { dsl, where, type Shape, type Tensor } from '../../dsl/index.js'

/** ReLU: max(x, 0). */
export const relu = dsl(<S extends Shape>(x: Tensor<S>): Tensor<S> => x.maximum(0))

/**
 * SiLU (swish): x·σ(x), with σ(x) = 1/(1 + e^−x) for x ≥ 0 and e^x/(1 + e^x) below, both from
 * e = e^−|x| ≤ 1: finite with a finite gradient everywhere (x / (1 + e^−x) overflows for x < −88 in
 * float32, and its gradient is then ∞/∞ = NaN).
 */
export const silu = dsl(<S extends Shape>(x: Tensor<S>): Tensor<S> => {
  const e = x.abs().neg().exp()
  return x.mul(where(x.ge(0), 1, e)).div(e.add(1)) as Tensor<S>
})

/**
 * GELU, the tanh approximation (Hendrycks & Gimpel; PyTorch `approximate='tanh'`), not the exact erf form:
 * ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 */
export const gelu = dsl(<S extends Shape>(x: Tensor<S>): Tensor<S> =>
  x
    .mul(
      x
        .add(x.pow(3).mul(0.044715))
        .mul(Math.sqrt(2 / Math.PI))
        .tanh()
        .add(1),
    )
    .mul(0.5),
)
