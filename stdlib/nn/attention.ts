import { dsl, softmax, type Mat, type Shape, type T3, type Tensor } from '../../dsl/index.js'

/** Scaled dot-product attention over the last two axes: softmax(q·kᵀ / √d) · v, q [..., T, d], k and v [..., S, d]. */
export const attention = dsl((q: Tensor<Shape>, k: Tensor<Shape>, v: Tensor<Shape>): Tensor<Shape> => {
  const d = q.shape[q.shape.length - 1]
  return softmax(q.matmul(k.T).mul(1 / Math.sqrt(d)), -1).matmul(v)
})

/** Projections of multi-head self-attention, each [D, D] (x·W, as stdlib/nn/linear.ts; no biases). */
export interface AttentionParams {
  wq: Mat
  wk: Mat
  wv: Mat
  wo: Mat
}

/**
 * Multi-head self-attention (Vaswani et al. 2017) on tokens x [B, T, D]: q, k, v = x·Wq, x·Wk, x·Wv
 * split into `heads` (static) heads of D / heads features, attention within each head, the heads
 * concatenated again and projected by Wo.
 */
export const multiHeadAttention = dsl(
  (p: AttentionParams, x: T3, heads: number): T3 => {
    const [b, t, d] = x.shape
    const split = (w: Mat) =>
      x
        .matmul(w)
        .reshape([b, t, heads, d / heads])
        .transpose([0, 2, 1, 3])
    const out = attention(split(p.wq), split(p.wk), split(p.wv))
    return out.transpose([0, 2, 1, 3]).reshape([b, t, d]).matmul(p.wo) as T3
  },
  { static: ['heads'] },
)
