/** Counter-based random draws. */
import {
  dsl,
  foldIn,
  randint,
  randomKey,
  randomNormal,
  randomUniform,
  splitKey,
  type Key,
  type Mat,
  type f32,
  type i32,
} from '../../../dsl/index.js'

export const draws = dsl(
  (seed: number) => {
    const key = randomKey(seed)
    const [k1, k2] = splitKey(key)
    return {
      normal: randomNormal(k1, [64, 64]),
      uniform: randomUniform(foldIn(k2, 7), [4096], -2, 3),
      ints: randint(foldIn(key, 3), [4096], 2, 9),
      unit: randomUniform(k2, [16]),
      again: randomNormal(splitKey(randomKey(seed), 3)[0], [64, 64]),
    }
  },
  { static: ['seed'] },
)

/** Noise keyed by a traced key and step: x + σ·N(0, 1). */
export const noisy = dsl((key: Key, x: Mat, sigma: f32, step: i32) =>
  x.add(randomNormal(foldIn(key, step), x.shape).mul(sigma)),
)
