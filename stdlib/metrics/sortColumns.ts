import { iota, type Mat } from '../../dsl/index.js'

/**
 * Each column of p sorted ascending, without a sort primitive (O(n²) per column):
 * 1. rank[i, l] = Σⱼ [p[j, l] < p[i, l]] + Σ_{j<i} [p[j, l] = p[i, l]] — ties broken by row index,
 *    so the ranks of a column are a permutation of 0 … n−1;
 * 2. sorted[k, l] = Σᵢ [rank[i, l] = k] · p[i, l] (a one-hot rank matrix applied to the column).
 * Work is O(n²·L) for an [n, L] input. Compiled, both steps are reductions with the comparisons
 * fused in, so the stored buffers are [n, L]; the reference interpreter materializes [n, n, L].
 * The ranks count to n, exact in float32 for n < 2²⁴.
 */
export const sortColumns = (p: Mat): Mat => {
  const [n, l] = p.shape
  const pi = p.reshape([n, 1, l])
  const pj = p.reshape([1, n, l])
  const earlierRow = iota([n, n, 1], 1).lt(iota([n, n, 1], 0)) // j < i
  const precedes = pj.lt(pi).logicalOr(pj.eq(pi).logicalAnd(earlierRow))
  const rank = precedes.astype('f32').sum(1) // [n, l]
  const oneHot = rank
    .reshape([n, 1, l])
    .eq(iota([1, n, 1], 1, 'f32'))
    .astype('f32') // [i, k, l]
  return oneHot.mul(pi).sum(0) // [k, l]
}
