/** Rejected when specialized: shape mismatches, reported at the op in the user's source. */
import { cdist, concat, dsl, reshape, zipWith, type Mat, type Vec } from '../../../dsl/index.js'
import { center, dense } from './shape-helpers.js'

export const matmulInner = dsl((a: Mat, b: Mat) => {
  const h = a.exp()
  return h.matmul(b)
})

export const cdistColumns = dsl((x: Mat, y: Mat) => cdist(x, y).mul(-1).exp())

export const addRows = dsl((a: Mat, b: Mat) => {
  const s = a.add(b)
  return s.sqrt()
})

export const concatOffAxis = dsl((a: Mat, b: Mat) => concat([a, b], 1))

export const reshapeCount = dsl((x: Mat) => reshape(x, [5, 5]))

export const zipWithShapes = dsl((a: Mat, b: Mat) => zipWith(a, b, (u, v) => u * v))

/** The mismatch is in dense(), a plain function of shape-helpers.ts. */
export const helperMatmul = dsl((x: Mat, w: Mat) => {
  const h = dense(x, w)
  return h.sum(1)
})

/** The mismatch is in center, a dsl(...) function of shape-helpers.ts. */
export const helperCenter = dsl((x: Mat, mu: Vec) => center(x.exp(), mu))
