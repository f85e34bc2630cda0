import { dsl, type Shape, type Tensor, type Vec } from '../../dsl/index.js'

/** RMSNorm over the last axis: y = x / √(mean(x²) + ε) · scale (scale [D], no shift). */
export const rmsNorm = dsl(
  (p: { scale: Vec }, x: Tensor<Shape>, eps = 1e-6): Tensor<Shape> =>
    x.div(x.square().mean(-1, true).add(eps).sqrt()).mul(p.scale),
  { static: ['eps'] },
)
