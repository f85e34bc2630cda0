/** Contractions: batched matmul, cdist, convolution, kernel regression. */
import {
  cdist,
  conv2d,
  dsl,
  matmul,
  softmax,
  transpose,
  type Mat,
  type T3,
  type T4,
  type f32,
} from '../../../dsl/index.js'

export const batched = dsl((a: T3, b: T3, w: Mat) => [a.matmul(b), matmul(a, w), a.matmul(b).sum(0)])

export const distances = dsl((x: Mat, y: Mat) => [
  cdist(x, y),
  x.cdist(y, { squared: true }),
  cdist(x, y, { eps: 0.25 }),
  cdist(x, x),
])

export const gram = dsl((x: Mat) => [x.matmul(x.T), transpose(x).matmul(x)])

export const convs = dsl((x: T4, w: T4) => [
  conv2d(x, w),
  conv2d(x, w, { stride: 2, padding: 1 }),
  x.conv2d(w, { stride: [1, 2], padding: [0, 1] }),
])

/** Nadaraya–Watson regression with a Gaussian kernel of bandwidth h. */
export const kernelRegression = dsl((x: Mat, xs: Mat, ys: Mat, h: f32): Mat => {
  const w = softmax(cdist(x, xs, { squared: true }).div(-2 * h * h), 1)
  return w.matmul(ys)
})
