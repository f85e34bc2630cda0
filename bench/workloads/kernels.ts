/** The DSL programs of the matmul and elementwise-chain workloads (the others come from stdlib/). */
import { dsl, type Mat } from '../../dsl/index.js'

/** C = A·B. */
export const matmul = dsl((a: Mat, b: Mat): Mat => a.matmul(b))

/** The five-op chain of the backend notes (also pinned to one kernel by the fusion tests). */
export { chain } from '../../test/fixtures/fusion.js'
