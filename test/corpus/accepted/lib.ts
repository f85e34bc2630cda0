/** Helpers imported by modules.ts: kernels, a kernel-generic field, and a DSL attention function. */
import { cdist, dsl, softmax, type Mat, type f32 } from '../../../dsl/index.js'

export type Kernel = (a: Mat, b: Mat, h: f32) => Mat

export const gaussian: Kernel = (a, b, h) =>
  cdist(a, b, { squared: true })
    .div(-2 * h * h)
    .exp()

export const laplace = (a: Mat, b: Mat, h: f32): Mat => cdist(a, b).div(-h).exp()

/** The kernel-weighted mean shift x → E_k[y] − x, for any kernel. */
export function meanShift(kernel: Kernel, x: Mat, y: Mat, h: f32): Mat {
  const k = kernel(x, y, h)
  return k.matmul(y).div(k.sum(1, true)).sub(x)
}

export const attention = dsl((q: Mat, k: Mat, v: Mat): Mat =>
  softmax(q.matmul(k.T).div(Math.sqrt(q.shape[1])), 1).matmul(v),
)

/** A scalar function, usable as a map lambda from another module. */
export function softplus(v: number): number {
  return v > 20 ? v : Math.log1p(Math.exp(v))
}
