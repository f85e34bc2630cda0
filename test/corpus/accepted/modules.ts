/** Calls across modules (inlined) and function-valued arguments. */
import { dsl, type Mat, type f32 } from '../../../dsl/index.js'
import { attention, gaussian, meanShift, type Kernel } from './lib.js'
import * as lib from './lib.js'

export const selfAttention = dsl((x: Mat, wq: Mat, wk: Mat, wv: Mat): Mat =>
  attention(x.matmul(wq), x.matmul(wk), x.matmul(wv)),
)

/** The same generic field specialized to two kernels at compile time. */
export const twoKernels = dsl((x: Mat, y: Mat, h: f32) => ({
  gauss: meanShift(gaussian, x, y, h),
  lap: lib.meanShift(lib.laplace, x, y, h),
}))

/** The kernel is an argument of the entry point itself. */
export const anyKernel = dsl((kernel: Kernel, x: Mat, y: Mat, h: f32): Mat => meanShift(kernel, x, y, h))
