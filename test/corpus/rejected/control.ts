/** Rejected: control flow that depends on tensor values (the graph must not branch on data). */
import { dsl, type f32, type Mat } from '../../../dsl/index.js'

/** `if` on a tensor comparison. */
export const ifOnTensor = dsl((x: Mat) => {
  if (x.sum().gt(0)) return x
  return x.neg()
})

/** A ternary whose condition is a tensor. */
export const ternaryOnTensor = dsl((x: Mat) => {
  const y = x.mean().lt(0.5) ? x.exp() : x.log()
  return y
})

/** for…of over a tensor iterates over its data. */
export const forOfTensor = dsl((x: Mat) => {
  let acc = x.sum(0)
  // @ts-expect-error -- a Tensor is not iterable; the compiler must say so too
  for (const row of x) acc = acc.add(row)
  return acc
})

/** `&&` on tensors short-circuits on data. */
export const andOnTensor = dsl((x: Mat) => {
  const inside = x.gt(0) && x.lt(1)
  return inside
})

/** A loop whose condition reads tensor data. */
export const loopUntilSmall = dsl((x: Mat) => {
  let y = x
  for (let i = 0; y.max().gt(1); i++) y = y.mul(0.5)
  return y
})

/** A loop on data and a traced tolerance: still data-dependent (static tol would not help). */
export const loopUntilTol = dsl((x: Mat, tol: f32) => {
  let y = x
  for (let i = 0; y.max().gt(tol); i++) y = y.mul(0.5)
  return y
})
