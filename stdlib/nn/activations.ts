import { dsl, type Shape, type Tensor } from '../../dsl/index.js'

/** ReLU: max(x, 0). */
export const relu = dsl(<S extends Shape>(x: Tensor<S>): Tensor<S> => x.maximum(0))

/** SiLU (swish): x·σ(x) = x / (1 + e^−x). */
export const silu = dsl(<S extends Shape>(x: Tensor<S>): Tensor<S> => x.div(x.neg().exp().add(1)))

/**
 * GELU, the tanh approximation (Hendrycks & Gimpel; PyTorch `approximate='tanh'`), not the exact erf form:
 * ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 */
export const gelu = dsl(<S extends Shape>(x: Tensor<S>): Tensor<S> =>
  x.mul(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI)).tanh().add(1)).mul(0.5),
)
