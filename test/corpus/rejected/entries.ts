/** Rejected: entry points that return nothing or wrap something that is not a function. */
import { dsl, type Mat } from '../../../dsl/index.js'

/** The body computes a value but never returns it. */
export const noReturn = dsl((x: Mat) => {
  x.exp()
})

/** dsl(...) of something that is not a function the compiler can find. */
const makeScaler = (s: number) => (x: Mat) => x.mul(s)
export const wrapsCall = dsl(makeScaler(2))
