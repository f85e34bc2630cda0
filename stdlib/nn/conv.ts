import { conv2d, dsl, type T4, type Vec } from '../../dsl/index.js'

/** Parameters of a convolution: kernel W [out, in, kh, kw] (OIHW), bias b [out]. */
export interface ConvParams {
  w: T4
  b: Vec
}

/** Convolution layer on NCHW: y = conv2d(x, W, stride, padding) + b[o] (stride and padding static). */
export const convLayer = dsl(
  (p: ConvParams, x: T4, stride = 1, padding = 0): T4 =>
    conv2d(x, p.w, { stride, padding }).add(p.b.reshape([1, -1, 1, 1])),
  { static: ['stride', 'padding'] },
)
