import { dsl, type Mat, type Shape, type Tensor, type Vec } from '../../dsl/index.js'

/** Parameters of a dense layer: W [in, out], b [out]. */
export interface LinearParams {
  w: Mat
  b: Vec
}

/** Dense layer y = x·W + b, x [..., in] → y [..., out]. */
export const linear = dsl((p: LinearParams, x: Tensor<Shape>): Tensor<Shape> => x.matmul(p.w).add(p.b))
