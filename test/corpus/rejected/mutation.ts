/** Rejected: mutation. DSL code builds new values; only a function's own `let` locals may be re-assigned. */
import { dsl, type Mat } from '../../../dsl/index.js'

/** Assigning to a property of a local object. */
export const propertyAssign = dsl((x: Mat) => {
  const state = { acc: x }
  state.acc = x.mul(2)
  return state.acc
})

/** Assigning to an element of a static array. */
export const elementAssign = dsl((x: Mat) => {
  const parts = [x, x]
  parts[1] = x.neg()
  return parts[0].add(parts[1])
})

/** Array.push mutates the array. */
export const arrayPush = dsl((x: Mat) => {
  const outs: Mat[] = []
  outs.push(x.exp())
  return outs[0]
})

/** `k++` outside a for-loop header. */
export const postIncrement = dsl((x: Mat) => {
  let k = 1
  k++
  return x.mul(k)
})

/** Re-assigning a const. */
export const constAssign = dsl((x: Mat) => {
  const y = x.exp()
  // @ts-expect-error -- assigning to a const is the point of this program
  y = y.add(1)
  return y
})

/** A closure assigning to its enclosing function's `let`. */
export const closureAssign = dsl((x: Mat) => {
  let total = x
  const accumulate = (t: Mat) => {
    total = total.add(t)
  }
  accumulate(x.exp())
  return total
})

/** delete removes a key from an object in place. */
export const deleteKey = dsl((x: Mat) => {
  const o: { a: Mat; b?: Mat } = { a: x, b: x.neg() }
  delete o.b
  return o.a
})
