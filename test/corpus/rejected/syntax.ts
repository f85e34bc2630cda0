/** Rejected: syntax outside the DSL subset. */
import { dsl, type Mat } from '../../../dsl/index.js'

export const whileLoop = dsl((x: Mat) => {
  let y = x
  let k = 0
  while (k < 3) {
    y = y.mul(0.5)
    k = k + 1
  }
  return y
})

export const localClass = dsl((x: Mat) => {
  class Scaler {
    constructor(readonly s: number) {}
  }
  return x.mul(new Scaler(2).s)
})

export const tryCatch = dsl((x: Mat) => {
  try {
    return x.log()
  } catch {
    return x
  }
})

export const varBinding = dsl((x: Mat) => {
  var y = x.exp()
  return y
})

export const switchOnMode = dsl(
  (x: Mat, mode: string) => {
    switch (mode) {
      case 'exp':
        return x.exp()
      default:
        return x
    }
  },
  { static: ['mode'] },
)

export const tensorIndex = dsl((x: Mat) => {
  // @ts-expect-error -- tensors have no index signature; the compiler must reject it too
  const first = x[0]
  return first
})

export const forIn = dsl((x: Mat) => {
  const weights = { a: 1, b: 2 }
  let y = x
  for (const k in weights) y = y.add(k.length)
  return y
})

export const bitwiseOr = dsl((x: Mat, n: number) => x.mul(n | 1), { static: ['n'] })
