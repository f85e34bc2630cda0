/** Entry points defined by wrapping a named function: dsl(g), g declared here or imported. */
import { dsl, type Mat } from '../../../dsl/index.js'
import { laplace } from './lib.js'

function logCosh(x: Mat): Mat {
  return x.exp().add(x.neg().exp()).mul(0.5).log()
}

export const logCoshDsl = dsl(logCosh)

const halfSquare = (x: Mat) => x.square().mul(0.5)
export const halfSquareDsl = dsl(halfSquare)

/** An arrow function of another module (it reads that module's imports). */
export const laplaceDsl = dsl(laplace)
