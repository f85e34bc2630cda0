import { map, type Shape, type Tensor, type f32 } from '../../dsl/index.js'

/**
 * Matérn kernels in closed form with length scale ℓ (companion-elliptic family, arXiv 2604.24196;
 * docs/paper.md#matérn-kernels): Matérn 3/2 = (1 + r/ℓ)e^{−r/ℓ},
 * Matérn 5/2 = (1 + r/ℓ + r²/3ℓ²)e^{−r/ℓ}. Matérn 1/2 is the Laplace kernel (`laplace.ts`).
 */
export const matern32At = (r: number, ell: number): number => (1 + r / ell) * Math.exp(-r / ell)
export const matern52At = (r: number, ell: number): number =>
  (1 + r / ell + (r * r) / (3 * ell * ell)) * Math.exp(-r / ell)

export const matern32 = <S extends Shape>(r: Tensor<S>, ell: f32): Tensor<S> => map(r, (d) => matern32At(d, ell))
export const matern52 = <S extends Shape>(r: Tensor<S>, ell: f32): Tensor<S> => map(r, (d) => matern52At(d, ell))

/** log k, as logits: stays finite where k underflows (masked or far targets). */
export const matern32Logits = <S extends Shape>(r: Tensor<S>, ell: f32): Tensor<S> =>
  map(r, (d) => Math.log1p(d / ell) - d / ell)
export const matern52Logits = <S extends Shape>(r: Tensor<S>, ell: f32): Tensor<S> =>
  map(r, (d) => Math.log1p(d / ell + (d * d) / (3 * ell * ell)) - d / ell)
