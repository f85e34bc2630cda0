/**
 * A type test, checked by `npx tsc --noEmit` (the project's tsconfig includes test/): elementwise
 * operations keep the shape type of their operands where it is known. Each `@ts-expect-error`
 * line must fail to compile, so a type that grew too loose (Tensor<Shape> where a Mat was meant)
 * breaks the check.
 */
import {
  add,
  cdist,
  div,
  dsl,
  less,
  maximum,
  pow,
  type Mat,
  type Scalar,
  type Tensor,
  type Vec,
} from '../../dsl/index.js'
import type { Shape } from '../../dsl/types.js'

export const field = dsl((x: Mat, pos: Mat, tau: number): Mat => {
  const k: Mat = div(
    1,
    cdist(x, pos, { squared: true })
      .div(tau * tau)
      .add(1),
  )
  const scaled: Mat = div(k, 2)
  const row: Vec = k.sum(1)
  const broadcast: Mat = k.add(row.reshape([row.shape[0], 1]))
  const byScalar: Mat = maximum(k, k.sum() as Scalar)
  const squared: Mat = pow(scaled, 2)
  const mask: Tensor<[number, number], 'bool'> = less(k, 0.5)
  const same: Mat = add(broadcast, byScalar).mul(squared).sub(k.div(k))
  // @ts-expect-error a matrix is not a vector
  const wrongRank: Vec = div(1, k)
  // @ts-expect-error a comparison gives booleans
  const wrongType: Mat = less(k, 0.5)
  void wrongRank
  void wrongType
  void mask
  return same
})

/** A shape-generic layer keeps its parameter's shape type through chains of operations. */
export const generic = <S extends Shape>(x: Tensor<S>): Tensor<S> => x.mul(x.add(x.pow(3).mul(0.5))).div(2)
