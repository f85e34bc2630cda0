/**
 * Improved precision and recall (Kynkäänniemi, Karras, Laine, Lehtinen and Aila, "Improved
 * Precision and Recall Metric for Assessing Generative Models", NeurIPS 2019), in any feature
 * space. Each set of feature vectors stands for the support of its distribution as the union of
 * balls around its points, each ball reaching the point's k-th nearest neighbour in its own set
 * (k = 3 in the paper):
 *
 *   precision = the fraction of generated points inside the real support,
 *   recall    = the fraction of real points inside the generated support.
 *
 * The distances of a whole set to itself do not fit in memory at 10 000 points of 128 features
 * in float32 (400 MB per pass, and more for what the compiler keeps), so the host code runs the
 * DSL parts on blocks of rows.
 */
import { cdist, dsl, iota, Tensor, where, type Mat, type Vec } from '../../dsl/index.js'

/** The rows of a block: at most this many query points per call. */
export const BLOCK_ROWS = 500

/**
 * The squared distance from every row of q [b, d] to its k-th nearest row of y [n, d] (k ≥ 1,
 * static), duplicates counted: the k-th smallest of each row of the squared distances, found by
 * removing the first smallest k − 1 times (ties go to the lowest index).
 */
export const kthNearest = dsl(
  (q: Mat, y: Mat, k: number): Vec => {
    let d = cdist(q, y, { squared: true })
    const column = iota(d.shape, 1, 'f32')
    for (let i = 1; i < k; i++) {
      const first = where(d.eq(d.min(1, true)), column, y.shape[0]).min(1, true)
      d = where(column.eq(first), d.max(1, true).add(1), d)
    }
    return d.min(1) as Vec
  },
  { static: ['k'] },
)

/** 1 for every row of q [b, d] within the ball of some row j of centres [n, d] (‖q − cⱼ‖² ≤ radii2ⱼ), else 0. */
export const inBalls = dsl(
  (q: Mat, centres: Mat, radii2: Vec): Vec =>
    cdist(q, centres, { squared: true })
      .le(radii2.reshape([1, -1]))
      .astype('f32')
      .max(1) as Vec,
)

/** Rows [from, to) of m (a view of its data). */
const rowsOf = (m: Mat, from: number, to: number): Mat =>
  new Tensor(m.data.subarray(from * m.shape[1], to * m.shape[1]), [to - from, m.shape[1]], 'f32')

/** f over blocks of at most BLOCK_ROWS rows of q, the results joined. */
async function byBlocks(q: Mat, f: (block: Mat) => Promise<Vec>): Promise<Float32Array> {
  const out = new Float32Array(q.shape[0])
  for (let from = 0; from < q.shape[0]; from += BLOCK_ROWS) {
    const to = Math.min(q.shape[0], from + BLOCK_ROWS)
    out.set((await f(rowsOf(q, from, to))).data, from)
  }
  return out
}

/** The squared radius of every point's ball: the squared distance to its k-th nearest other point of the set. */
export async function ballRadii(points: Mat, k: number): Promise<Vec> {
  if (!Number.isInteger(k) || k < 1 || k >= points.shape[0])
    throw new RangeError(`ballRadii: k must be an integer in [1, ${points.shape[0] - 1}], got ${k}`)
  // each point is its own nearest neighbour at distance 0: the k-th other point is the (k + 1)-th nearest
  const radii = await byBlocks(points, (block) => kthNearest.run(block, points, k + 1))
  return new Tensor(radii, [radii.length], 'f32')
}

/** The fraction of the rows of q inside the union of the balls (centres, radii2). */
export async function coverage(q: Mat, centres: Mat, radii2: Vec): Promise<number> {
  const hits = await byBlocks(q, (block) => inBalls.run(block, centres, radii2))
  return hits.reduce((s, v) => s + v, 0) / hits.length
}

export interface PrecisionRecall {
  precision: number
  recall: number
}

/** Precision and recall of the generated features against the real ones, balls to the k-th nearest neighbour (k = 3 in the paper). */
export async function precisionRecall(real: Mat, generated: Mat, k = 3): Promise<PrecisionRecall> {
  if (real.shape[1] !== generated.shape[1])
    throw new RangeError(
      `precisionRecall: real features have ${real.shape[1]} dimensions, generated ones ${generated.shape[1]}`,
    )
  const [realRadii, generatedRadii] = [await ballRadii(real, k), await ballRadii(generated, k)]
  return {
    precision: await coverage(generated, real, realRadii),
    recall: await coverage(real, generated, generatedRadii),
  }
}
