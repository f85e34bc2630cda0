/** Rejected: functions and names the compiler cannot see into. */
import { pipe } from 'fp-ts/lib/function.js'
import { dsl, exp, tensor, type Mat } from '../../../dsl/index.js'

/** fp-ts is an npm package, not DSL source: the compiler cannot inline pipe. */
export const fpTsPipe = dsl((x: Mat) => pipe(x, exp))

/** A method tensors do not have. */
export const unknownMethod = dsl((x: Mat) => {
  const y = x.exp()
  // @ts-expect-error -- frobnicate is not a Tensor method
  return y.sum(1).frobnicate()
})

/** A name that is defined nowhere. */
export const unknownName = dsl((x: Mat) => {
  // @ts-expect-error -- gain is not defined
  return x.mul(gain)
})

/** Host API of the DSL package: tensor() builds host data. */
export const hostTensor = dsl((x: Mat) => x.add(tensor([1, 2, 3])))

/** Arrays support pure methods only; forEach runs for its side effects. */
export const arrayForEach = dsl((x: Mat) => {
  const ys = [x.exp(), x.log()]
  ys.forEach((y) => y.sum())
  return ys[0]
})

/** A property that a plain object does not have. */
export const missingProperty = dsl((x: Mat) => {
  const cfg = { scale: 2 }
  // @ts-expect-error -- shift is not a property of cfg
  return x.mul(cfg.scale).add(cfg.shift)
})
