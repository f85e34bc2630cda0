import { dsl, slice, type Mat, type T4 } from '../../dsl/index.js'

/**
 * Average pooling on NCHW over non-overlapping size × size windows (stride = size, no padding):
 * each window is a pair of axes of a reshape, averaged. Rows and columns past the last whole
 * window are dropped, as PyTorch's avg_pool2d does.
 */
export const avgPool2d = dsl(
  (x: T4, size = 2): T4 => {
    const [n, c, h, w] = x.shape
    const [oh, ow] = [Math.floor(h / size), Math.floor(w / size)]
    const whole = slice(slice(x, 2, 0, oh * size), 3, 0, ow * size)
    return whole.reshape([n, c, oh, size, ow, size]).mean([3, 5]) as T4
  },
  { static: ['size'] },
)

/** Global average pooling: the mean of each channel over H × W, [N, C, H, W] → [N, C]. */
export const globalAvgPool = dsl((x: T4): Mat => x.mean([2, 3]) as Mat)
