import { dsl, type Mat, type f32 } from '../../dsl/index.js'
import { matern32Logits, matern52Logits } from '../similarity/matern.js'
import { biSoftmax, jointField, jointLogits } from './parts.js'

/**
 * Algorithm 2 (joint bi-softmax) with a Matérn kernel instead of Laplace, logits = log k(r)
 * (companion-elliptic kernels, arXiv 2604.24196, a family that contains the Matérn kernels with
 * ν ≥ 1/2; docs/paper.md#matérn-kernels). Matérn 3/2: k = (1 + r/ℓ)e^{−r/ℓ}; `ell` is the length
 * scale ℓ.
 */
export const matern32Field = dsl((x: Mat, pos: Mat, neg: Mat, ell: f32): Mat =>
  jointField(biSoftmax(jointLogits(matern32Logits, x, pos, neg, ell)), pos, neg),
)

/** The same with Matérn 5/2: k = (1 + r/ℓ + r²/3ℓ²)e^{−r/ℓ}. */
export const matern52Field = dsl((x: Mat, pos: Mat, neg: Mat, ell: f32): Mat =>
  jointField(biSoftmax(jointLogits(matern52Logits, x, pos, neg, ell)), pos, neg),
)
