import { eye, hint, type Mat } from '../../dsl/index.js'

/**
 * A^{−1/2} of a symmetric positive-definite matrix by the coupled Newton–Schulz iteration
 * (Higham, "Functions of Matrices", §6.7): Y₀ = A/c, Z₀ = I, T = (3I − ZY)/2, Y ← YT, Z ← TZ, so
 * Z → (A/c)^{−1/2}; c = ‖A‖_F puts the spectrum of A/c in (0, 1]. A fixed number of unrolled steps
 * (the DSL has no eigendecomposition): eigenvalues far below c·(4/9)^iters are not yet resolved.
 */
export const inverseSqrt = (a: Mat, iters: number): Mat => {
  const id = eye(a.shape[0], a.shape[0])
  const c = a.square().sum().sqrt()
  let y: Mat = a.div(c)
  let z: Mat = id
  for (let k = 0; k < iters; k++) {
    const t = id.mul(3).sub(z.matmul(y)).div(2)
    // each iterate is stored: left to the search, a chain of products is recomputed inside the next
    // (loops nested chain-deep), which the search takes minutes to rule out at 30 steps
    y = hint(y.matmul(t), 'materialize')
    z = hint(t.matmul(z), 'materialize')
  }
  return z.div(c.sqrt())
}
