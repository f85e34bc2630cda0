/** The DSL programs of the matmul and elementwise-chain workloads (the others come from stdlib/). */
import { dsl, type Mat, type Vec } from '../../dsl/index.js'

/** C = A·B. */
export const matmul = dsl((a: Mat, b: Mat): Mat => a.matmul(b))

/** The five-op chain (also pinned to one kernel by the fusion tests): x1 = a·1.5 + b; x2 = x1²; x3 = x2 − a; x4 = √|x3|; out = x4·b + 0.5. */
export const chain = dsl((a: Vec, b: Vec): Vec => {
  const x1 = a.mul(1.5).add(b)
  const x2 = x1.mul(x1)
  const x3 = x2.sub(a)
  const x4 = x3.abs().sqrt()
  return x4.mul(b).add(0.5)
})
