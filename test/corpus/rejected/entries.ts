/** Rejected: functions that are not DSL entry points, or that return nothing. */
import { dsl, type Mat } from '../../../dsl/index.js'

/** A plain exported function is a helper to inline, not an entry point. */
export function plainFunction(x: Mat): Mat {
  return x.exp()
}

/** A plain exported arrow function neither. */
export const plainArrow = (x: Mat): Mat => x.exp()

/** The body computes a value but never returns it. */
export const noReturn = dsl((x: Mat) => {
  x.exp()
})

/** dsl(...) of something that is not a function the compiler can find. */
const makeScaler = (s: number) => (x: Mat) => x.mul(s)
export const wrapsCall = dsl(makeScaler(2))
