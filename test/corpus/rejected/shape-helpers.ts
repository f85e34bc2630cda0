/** Helpers for rejected/shapes.ts: the shape errors happen here, inside another module. */
import { dsl, type Mat, type Vec } from '../../../dsl/index.js'

/** A dense layer: x [n, d] @ w [d, h]. */
export function dense(x: Mat, w: Mat): Mat {
  const h = x.matmul(w)
  return h.tanh()
}

/** Subtract a per-column mean vector. */
export const center = dsl((x: Mat, mu: Vec) => x.sub(mu))
