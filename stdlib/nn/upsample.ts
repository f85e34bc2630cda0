import { dsl, type T4 } from '../../dsl/index.js'

/**
 * Nearest-neighbour upsampling on NCHW by an integer factor: every pixel becomes a factor × factor
 * block, [N, C, H, W] → [N, C, H·factor, W·factor] (a broadcast over two new axes; its gradient sums
 * each block).
 */
export const upsampleNearest = dsl(
  (x: T4, factor = 2): T4 => {
    const [n, c, h, w] = x.shape
    return x
      .reshape([n, c, h, 1, w, 1])
      .broadcastTo([n, c, h, factor, w, factor])
      .reshape([n, c, h * factor, w * factor]) as T4
  },
  { static: ['factor'] },
)
