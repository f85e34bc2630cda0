import { dsl, randomNormal, type Key, type Mat, type Scalar } from '../../dsl/index.js'
import { sortColumns } from './sortColumns.js'

/**
 * `projections` directions drawn uniformly on the unit sphere S^{d−1} from a key: rows of a
 * standard normal [projections, dim] draw, each divided by its norm (Muller 1959).
 */
export const sliceDirections = dsl(
  (key: Key, dim: number, projections: number): Mat => {
    const g = randomNormal(key, [projections, dim])
    return g.div(g.square().sum(1, true).sqrt())
  },
  { static: ['dim', 'projections'] },
)

/**
 * Sliced p-Wasserstein distance for given unit directions θ₁ … θ_L (rows of `directions`)
 * between two sample sets of the SAME size n (Bonneel et al., "Sliced and Radon Wasserstein
 * Barycenters of Measures", JMIV 2015; Kolouri et al., "Generalized Sliced Wasserstein
 * Distances", NeurIPS 2019):
 *   SW_p(X, Y) = ( (1/L) Σ_l W_p^p(θ_l·X, θ_l·Y) )^{1/p},  W_p^p(a, b) = (1/n) Σ_k |a₍ₖ₎ − b₍ₖ₎|^p,
 * where a₍ₖ₎ is the k-th smallest projection: in 1-D the optimal coupling of two equal-size
 * empirical measures matches order statistics. Sorting uses no sort primitive (sortColumns: ranks with an
 * index tie-break, then a one-hot rank matrix), O(n²·L). p = 2 gives SW₂, p = 1 gives SW₁. An
 * evaluation metric: the gradient of the outer 1/p power is infinite where the distance is 0.
 */
export const slicedWassersteinWith = dsl(
  (x: Mat, y: Mat, directions: Mat, p: number): Scalar => {
    const xs = sortColumns(x.matmul(directions.T))
    const ys = sortColumns(y.matmul(directions.T))
    return xs
      .sub(ys)
      .abs()
      .pow(p)
      .mean()
      .pow(1 / p)
  },
  { static: ['p'] },
)

/**
 * Sliced p-Wasserstein distance (see slicedWassersteinWith) with `projections` random directions
 * drawn from `key` by sliceDirections: a Monte-Carlo estimate of the integral over the sphere.
 * Symmetric; 0 for equal sample sets (any directions); same key ⇒ same directions on every backend.
 */
export const slicedWasserstein = dsl(
  (x: Mat, y: Mat, key: Key, projections: number, p: number): Scalar =>
    slicedWassersteinWith(x, y, sliceDirections(key, x.shape[1], projections), p),
  { static: ['projections', 'p'] },
)
