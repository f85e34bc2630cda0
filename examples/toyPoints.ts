/** Toy 2-D point clouds made in the DSL itself: a Gaussian blob around a centre. */
import { concat, dsl, full, randomNormal, type Key, type Mat, type f32 } from '../dsl/index.js'

const blob = dsl(
  (key: Key, n: number, cx: f32, cy: f32, spread: f32): Mat => {
    const centre = concat([full([n, 1], 0).add(cx), full([n, 1], 0).add(cy)], 1)
    return randomNormal(key, [n, 2]).mul(spread).add(centre)
  },
  { static: ['n'] },
)

/** `n` points around `centre`, deterministic in `key`. */
export const toyPoints = (key: Key, n: number, centre: [number, number], spread = 0.5): Promise<Mat> =>
  blob.run(key, n, centre[0], centre[1], spread)
