/** Rejected: functions and names the compiler cannot see into. */
import { pipe } from 'fp-ts/lib/function.js'
import { dsl, exp, softmax, tensor, type Mat } from '../../../dsl/index.js'
// @ts-expect-error -- softmx is a typo of softmax
import { softmx } from '../../../dsl/index.js'

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

/** Typos get the nearest known name: a tensor method, */
export const typoMethod = dsl((x: Mat) => {
  // @ts-expect-error -- sotfmax is a typo
  return x.exp().sotfmax(1)
})

/** a free function in scope, */
export const typoFunction = dsl((x: Mat) => {
  // @ts-expect-error -- sotfmax is a typo
  return sotfmax(x, 1).add(softmax(x, 0))
})

/** a DSL operation the file did not import, */
export const missingImport = dsl((x: Mat) => {
  // @ts-expect-error -- logsumexp is not imported
  return logsumexp(x, 1)
})

/** a name imported from the DSL package, */
export const typoImport = dsl((x: Mat) => softmx(x, 1))

/** a property of a plain object or of Math. */
export const typoProperty = dsl((x: Mat) => {
  const cfg = { scale: 2 }
  // @ts-expect-error -- scael is a typo
  return x.mul(cfg.scael)
})
export const typoMath = dsl((x: Mat) => {
  // @ts-expect-error -- expp is a typo
  return x.mul(Math.expp(2))
})
