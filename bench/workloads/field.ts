/** Workload 1: paperField (stdlib/fields/paper.ts), one temperature τ = 0.05, N = P = M. */
import type { Array as JaxArray } from '@jax-js/jax'
import { Tensor } from '../../dsl/index.js'
import { paperField } from '../../stdlib/fields/paper.js'
import { driftImpls, gauss, type Case, type Impl, type Workload } from '../harness.js'
import { jax, JAXJS, peer, PLAIN, TFJS, tfjs, tfRun } from '../peers.js'
import { fieldFlops, jaxField, jsField, tfField } from './field-impls.js'

const TAU = 0.05
const at = (n: number, d: number): Case => ({ size: { 'N = P = M': n, D: d }, flops: fieldFlops(n, n, n, d) })

/** The four implementations of paperField at one size (also used by the scaling children). */
export async function fieldImpls(
  n: number,
  d: number,
  backends: string[],
  peers: string[] = [TFJS, JAXJS, PLAIN],
): Promise<{ impls: Impl[]; tensors: Tensor<[number, number]>[] }> {
  const tensors = [1, 2, 3].map((seed) => gauss([n, d], seed))
  const [x, pos, neg] = tensors.map((t) => t.data as Float32Array)
  const impls: Impl[] = driftImpls(backends, async () => [
    (await paperField.run(tensors[0], tensors[1], tensors[2], TAU)).data,
  ])
  const want = (name: string) => peers.includes(name)
  if (want(TFJS)) {
    impls.push(
      await peer(TFJS, async () => {
        const tf = await tfjs()
        return () =>
          tfRun(tf, [tf.tensor2d(x, [n, d]), tf.tensor2d(pos, [n, d]), tf.tensor2d(neg, [n, d])], (tx, tp, tn) => [
            tfField(tf, tx, tp, tn, TAU),
          ])
      }),
    )
  }
  if (want(JAXJS)) {
    impls.push(
      await peer(JAXJS, async () => {
        const jx = await jax()
        const f = jx.jit((a: JaxArray, b: JaxArray, c: JaxArray) => jaxField(jx, a, b, c, TAU))
        const arr = (a: Float32Array) => jx.numpy.array(a).reshape([n, d])
        return async () => [(await f(arr(x), arr(pos), arr(neg)).data()) as Float32Array]
      }),
    )
  }
  if (want(PLAIN)) impls.push({ name: PLAIN, group: 'peer', run: async () => [jsField(x, pos, neg, n, n, n, d, TAU)] })
  return { impls, tensors }
}

export const field: Workload = {
  name: 'field',
  title: 'paperField, one temperature (τ = 0.05)',
  what:
    'stdlib/fields/paper.ts at x, pos, neg of shape [N, D] (seeded standard normal). ' +
    'tfjs and jax-js (jit) compute distances through ‖x‖² + ‖y‖² − 2xyᵀ and materialize the N×(P+M) logits, as their users write it; ' +
    'plain JS streams two passes over the pairs (online log-sum-exp) with direct distances and O(N) memory.',
  flopsRule:
    'N·(P+M)·(5D + 10): per pair 3D (distance) + 2D (the two weighted matmuls) + 10 (√, scale, log-softmaxes, exp, weights; exp/log/√ count 1)',
  cases: (quick) =>
    (quick
      ? [
          [256, 2],
          [1024, 2],
          [256, 64],
          [1024, 64],
        ]
      : [256, 1024, 2048, 8192].flatMap((n) => [
          [n, 2],
          [n, 64],
        ])
    ).map(([n, d]) => at(n, d)),
  checkCases: [at(256, 2), at(256, 64)],
  tolerance: 1e-3,
  outputs: 'V [N, D]',
  setup: async (c, ctx) => {
    const { 'N = P = M': n, D: d } = c.size
    const { impls, tensors } = await fieldImpls(n, d, ctx.backends)
    return {
      impls,
      reference: async () => [(await paperField.reference(tensors[0], tensors[1], tensors[2], TAU)).data],
    }
  },
}
