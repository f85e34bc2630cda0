/**
 * Toy 2-D data sets as DSL functions: `n` points drawn from `key`, a pure function of (key, n).
 *
 * | name         | distribution |
 * |--------------|--------------|
 * | swissRoll    | the official toy notebook's (docs/paper.md#toy-recipe): u ~ U(0,1), t = π/2 + 4πu, (t cos t, t sin t) divided by the largest absolute coordinate of the batch, + 0.03·N(0, I) |
 * | checkerboard | the official notebook's: b ~ {0,1}, i = 2·{0,1} + b, j = 2·{0,1} + b, ((i + u, j + v) − 2)/2 + 0.05·N(0, I): the 8 cells of a 4×4 board in [−1,1]² whose row and column have the same parity |
 * | gaussians8   | 8 equally weighted Gaussians, centres on the unit circle at angles 2πk/8, std 0.05 (our choice: well separated modes at τ = 0.05) |
 * | bimodal      | two Gaussians, centres (−1, 0) with weight 0.3 and (1, 0) with weight 0.7, std 0.1 (our choice, for paper Fig. 3: the unequal split makes the mass per mode testable) |
 *
 * The mixture parameters are exported (GAUSSIANS8, BIMODAL) so metrics can count modes and mass.
 */
import {
  concat,
  dsl,
  randint,
  randomNormal,
  randomUniform,
  splitKey,
  where,
  type Key,
  type Mat,
} from '../../dsl/index.js'

/** A Gaussian mixture in the plane: centres, weights (summing to 1) and one isotropic std. */
export interface Mixture {
  centres: [number, number][]
  weights: number[]
  std: number
}

export const SWISS_NOISE = 0.03
export const CHECKER_NOISE = 0.05

const R = Math.SQRT1_2
export const GAUSSIANS8: Mixture = {
  centres: [
    [1, 0],
    [R, R],
    [0, 1],
    [-R, R],
    [-1, 0],
    [-R, -R],
    [0, -1],
    [R, -R],
  ],
  weights: [1 / 8, 1 / 8, 1 / 8, 1 / 8, 1 / 8, 1 / 8, 1 / 8, 1 / 8],
  std: 0.05,
}

export const BIMODAL: Mixture = {
  centres: [
    [-1, 0],
    [1, 0],
  ],
  weights: [0.3, 0.7],
  std: 0.1,
}

/** Swiss roll, exactly as the official toy notebook draws it (the normalization is per batch). */
export const swissRoll = dsl(
  (key: Key, n: number): Mat => {
    const [ku, kn] = splitKey(key, 2)
    const t = randomUniform(ku, [n, 1])
      .mul(4 * Math.PI)
      .add(Math.PI / 2)
    const pts = concat([t.mul(t.cos()), t.mul(t.sin())], 1)
    return pts.div(pts.abs().max()).add(randomNormal(kn, [n, 2]).mul(SWISS_NOISE))
  },
  { static: ['n'] },
)

/** Checkerboard, exactly as the official toy notebook draws it. */
export const checkerboard = dsl(
  (key: Key, n: number): Mat => {
    const [kb, ki, kj, ku, kn] = splitKey(key, 5)
    const b = randint(kb, [n, 1], 0, 2).astype('f32')
    const i = randint(ki, [n, 1], 0, 2).astype('f32').mul(2).add(b)
    const j = randint(kj, [n, 1], 0, 2).astype('f32').mul(2).add(b)
    const cell = concat([i, j], 1).add(randomUniform(ku, [n, 2]))
    return cell
      .sub(2)
      .div(2)
      .add(randomNormal(kn, [n, 2]).mul(CHECKER_NOISE))
  },
  { static: ['n'] },
)

/** 8 Gaussians on the unit circle (GAUSSIANS8): a mode index uniform in 0..7, then its centre plus noise. */
export const gaussians8 = dsl(
  (key: Key, n: number): Mat => {
    const [km, kn] = splitKey(key, 2)
    const angle = randint(km, [n, 1], 0, 8)
      .astype('f32')
      .mul((2 * Math.PI) / 8)
    return concat([angle.cos(), angle.sin()], 1).add(randomNormal(kn, [n, 2]).mul(GAUSSIANS8.std))
  },
  { static: ['n'] },
)

/** Two Gaussians (BIMODAL): the first centre with probability weights[0], else the second, plus noise. */
export const bimodal = dsl(
  (key: Key, n: number): Mat => {
    const [km, kn] = splitKey(key, 2)
    const [[ax, ay], [bx, by]] = BIMODAL.centres
    const first = randomUniform(km, [n, 1]).lt(BIMODAL.weights[0])
    const centre = concat([where(first, ax, bx), where(first, ay, by)], 1)
    return centre.add(randomNormal(kn, [n, 2]).mul(BIMODAL.std)) as Mat
  },
  { static: ['n'] },
)
