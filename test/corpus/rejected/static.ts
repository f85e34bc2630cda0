/** Rejected: traced values where the compiler needs compile-time values (loop bounds, shapes, axes). */
import { dsl, reshape, slice, zeros, type f32, type i32, type Mat } from '../../../dsl/index.js'

/** n is a traced scalar (changing it never recompiles), so it cannot bound an unrolled loop. */
export const tracedLoopBound = dsl((x: Mat, n: i32) => {
  let y = x
  for (let i = 0; i < n; i++) y = y.mul(0.5)
  return y
})

/** A reshape size from a traced scalar parameter. */
export const tracedReshape = dsl((x: Mat, rows: f32) => reshape(x, [rows, -1]))

/** A slice bound from a traced scalar parameter. */
export const tracedSliceEnd = dsl((x: Mat, k: i32) => slice(x, 0, 0, k))

/** A shape computed from tensor data. */
export const dataShape = dsl((x: Mat) =>
  // @ts-expect-error -- a size must be a number, not a tensor
  zeros([2, x.max()]),
)
