/** Rejected: bad arguments to DSL operations. */
import { cdist, dsl, zeros, type Mat } from '../../../dsl/index.js'

export const unknownOption = dsl((x: Mat, y: Mat) => {
  // @ts-expect-error -- squard is a typo
  return cdist(x, y, { squard: true })
})

export const badDType = dsl((x: Mat) => {
  // @ts-expect-error -- 'f64' is not a DSL dtype
  return x.astype('f64')
})

export const returnsFunction = dsl((x: Mat) => {
  const scale = (t: Mat) => t.mul(2)
  return { scale, x }
})

export const zerosShape = dsl((_x: Mat) =>
  // @ts-expect-error -- a size must be a number
  zeros([2, 'three']),
)
