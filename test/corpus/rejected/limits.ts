/** Rejected: recursion and loops too long to unroll. */
import { dsl, type Mat } from '../../../dsl/index.js'

function halve(x: Mat): Mat {
  return halve(x.mul(0.5))
}

/** Unbounded recursion. */
export const recursion = dsl((x: Mat) => halve(x))

function isEven(x: Mat, k: number): Mat {
  return k === 0 ? x : isOdd(x.neg(), k - 1)
}
function isOdd(x: Mat, k: number): Mat {
  return k === 0 ? x.neg() : isEven(x, k - 1)
}

/** Mutual recursion, bounded by a static count but deeper than the call limit. */
export const mutualRecursion = dsl((x: Mat) => isEven(x, 500))

/** A static loop that would unroll into a million steps. */
export const hugeLoop = dsl((x: Mat) => {
  let total = 0
  for (let i = 0; i < 1_000_000; i++) total = i
  return x.add(total)
})
