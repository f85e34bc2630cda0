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

/** Two nested static loops of 2000: four million unrolled additions (the equation budget stops it). */
export const nestedLoops = dsl((x: Mat) => {
  let acc = x
  for (let i = 0; i < 2000; i++) {
    for (let j = 0; j < 2000; j++) acc = acc.add(1)
  }
  return acc
})

/** The same loops on a number: no equations, four million additions (the step budget stops it). */
export const nestedCount = dsl((x: Mat) => {
  let total = 0
  for (let i = 0; i < 2000; i++) {
    for (let j = 0; j < 2000; j++) total = total + 1
  }
  return x.add(total)
})

/** An array doubled forty times: 2^40 elements. */
export const doublingArray = dsl((x: Mat) => {
  let xs = [1]
  for (let i = 0; i < 40; i++) xs = [...xs, ...xs]
  return x.mul(xs.length)
})

/** A string doubled forty times. */
export const doublingString = dsl((x: Mat) => {
  let s = 'ab'
  for (let i = 0; i < 40; i++) s = s + s
  return x.mul(s.length)
})

function twice(x: Mat, n: number): Mat {
  return n === 0 ? x : twice(twice(x, n - 1), n - 1)
}

/** Recursion only 30 calls deep, but 2^30 calls in all: the budget covers calls, not only loops. */
export const exponentialCalls = dsl((x: Mat) => twice(x, 30))
