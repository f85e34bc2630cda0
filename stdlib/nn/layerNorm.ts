import { dsl, type Shape, type Tensor, type Vec } from '../../dsl/index.js'

/** LayerNorm over the last axis: y = (x − μ) / √(σ² + ε) · scale + shift, μ and σ² the mean and (biased) variance. */
export const layerNorm = dsl(
  (p: { scale: Vec; shift: Vec }, x: Tensor<Shape>, eps = 1e-5): Tensor<Shape> => {
    const centered = x.sub(x.mean(-1, true))
    return centered.div(centered.square().mean(-1, true).add(eps).sqrt()).mul(p.scale).add(p.shift)
  },
  { static: ['eps'] },
)
