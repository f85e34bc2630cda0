import { dsl, eye, hint, stack, type Mat, type T3 } from '../../dsl/index.js'

/**
 * Principal square root of a symmetric positive semi-definite matrix by the coupled Newton–Schulz
 * iteration (Higham, "Functions of Matrices", SIAM 2008, eq. 6.35; Lin & Maji, "Improved
 * Bilinear Pooling with CNNs", BMVC 2017): with c = ‖A‖_F the spectrum of A/c lies in [0, 1], and
 *   Y₀ = A/c, Z₀ = I,  T = (3I − Z Y)/2,  Y ← Y T,  Z ← T Z,
 * gives Y → (A/c)^{1/2}, Z → (A/c)^{−1/2}; the result is √c · Y. No eigendecomposition (the DSL
 * has none): `iters` unrolled steps. An eigenvalue λ needs about log(c/λ)/log(9/4) steps to
 * enter the quadratic phase, then ~5 more: 30 steps resolve λ/c ≳ 1e−8 (below float32 accuracy
 * anyway); zero eigenvalues stay exactly zero.
 *
 * Both updates are one batched matmul on the stored pair [Y, Zᵀ]: [Y, Zᵀ] @ [T, Tᵀ] = [Y T, (T Z)ᵀ],
 * materialized each step (fusion's search over what to recompute grows fast with the chain length).
 */
export const sqrtm = (a: Mat, iters: number): Mat => {
  const d = a.shape[0]
  const id = eye(d, d)
  const c = a.square().sum().sqrt()
  const part = (s: T3, i: number): Mat => s.slice(0, i, i + 1).reshape([d, d])
  let pair: T3 = stack([a.div(c), id], 0) // [Y, Zᵀ]
  for (let k = 0; k < iters; k++) {
    const t = id
      .mul(3)
      .sub(part(pair, 1).T.matmul(part(pair, 0)))
      .div(2)
    pair = hint(pair.matmul(stack([t, t.T], 0)), 'materialize')
  }
  return part(pair, 0).mul(c.sqrt())
}

/** sqrtm as an entry point: A^{1/2} of a symmetric PSD matrix after `iters` Newton–Schulz steps. */
export const matrixSqrt = dsl((a: Mat, iters = 30): Mat => sqrtm(a, iters), { static: ['iters'] })
