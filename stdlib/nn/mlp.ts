import { dsl, type Shape, type Tensor } from '../../dsl/index.js'
import { linear, type LinearParams } from './linear.js'

type Activation = (h: Tensor<Shape>) => Tensor<Shape>

/**
 * Multi-layer perceptron: h₀ = x, hᵢ₊₁ = act(hᵢ·Wᵢ + bᵢ), no activation after the last layer.
 * `act` is a function argument (relu, silu, gelu, or any DSL function): it is inlined at compile time.
 */
export const mlp = dsl((layers: LinearParams[], x: Tensor<Shape>, act: Activation): Tensor<Shape> => {
  let h = x
  for (let i = 0; i < layers.length; i++) {
    h = linear(layers[i], h)
    if (i < layers.length - 1) h = act(h)
  }
  return h
})
