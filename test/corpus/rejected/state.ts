/** Rejected: closures over module-level mutable state (`let`/`var`). */
import { dsl, type Mat } from '../../../dsl/index.js'

let temperature = 0.5
/** Host code may change it between calls: a compiled function would silently keep the old value. */
export function setTemperature(t: number): void {
  temperature = t
}

export const scaled = dsl((x: Mat) => x.div(temperature))

var bias = 1

export const shifted = dsl((x: Mat) => {
  const y = x.exp()
  return y.add(bias)
})
