/** Rejected: misuse of scalar lambdas (map, zipWith, generate, reduce). */
import { dsl, generate, map, reduce, type Mat } from '../../../dsl/index.js'

/** A lambda must return a number, not a tensor. */
export const lambdaReturnsTensor = dsl((x: Mat) =>
  // @ts-expect-error -- the lambda returns a Tensor
  generate([3, 4], (i, j) => x.exp()),
)

/** A lambda cannot read a whole (non-scalar) tensor. */
export const lambdaReadsTensor = dsl((x: Mat) =>
  // @ts-expect-error -- number / Tensor
  map(x, (v) => v / x.sum(0)),
)

/** Lambda arguments are numbers: no tensor methods. */
export const lambdaArgMethod = dsl((x: Mat) =>
  // @ts-expect-error -- numbers have no abs()
  map(x, (v) => v.abs()),
)

/** `if` on a lambda argument: use a ternary. */
export const lambdaIf = dsl((x: Mat) =>
  reduce(
    x,
    1,
    (acc, v) => {
      if (v > acc) return v
      return acc
    },
    -Infinity,
  ),
)

/** filter decides at compile time: its predicate cannot depend on a lambda argument. */
export const lambdaFilter = dsl((x: Mat) => map(x, (v) => [1, 2, 3].filter((k) => k < v).length))

/** every and some neither. */
export const lambdaSome = dsl((x: Mat) => map(x, (v) => ([0.5, 1.5].some((k) => k > v) ? v : 0)))
