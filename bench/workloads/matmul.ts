/** Workload 3: matmul, n×n times n×n (1024³ is the machine-peak reference of backends.md). */
import type { Array as JaxArray } from '@jax-js/jax'
import { driftImpls, gauss, type Case, type Impl, type Workload } from '../harness.js'
import { jax, JAXJS, peer, PLAIN, TFJS, tfjs, tfRun } from '../peers.js'
import { matmul as matmulDsl } from './programs.js'

const at = (n: number): Case => ({ size: { n }, flops: 2 * n ** 3 })

/** Plain JS, i-k-j order (the inner loop streams a row of B and of C). */
export function jsMatmul(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const c = new Float32Array(n * n)
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]
      const bo = k * n
      const co = i * n
      for (let j = 0; j < n; j++) c[co + j] += aik * b[bo + j]
    }
  return c
}

export const matmul: Workload = {
  name: 'matmul',
  title: 'matmul n³',
  what: 'bench/workloads/kernels.ts `matmul` (a.matmul(b)); tf.matMul on tfjs-wasm (XNNPACK), np.matmul under jit on jax-js wasm, an i-k-j Float32Array loop.',
  flopsRule: '2n³',
  cases: () => [at(1024)],
  checkCases: [at(256)],
  tolerance: 1e-4,
  outputs: 'C [n, n]',
  setup: async (c, ctx) => {
    const { n } = c.size
    const [a, b] = [gauss([n, n], 0), gauss([n, n], 1)]
    const [ha, hb] = [a.data as Float32Array, b.data as Float32Array]
    const impls: Impl[] = driftImpls(ctx.backends, async () => [(await matmulDsl.run(a, b)).data])
    impls.push(
      await peer(TFJS, async () => {
        const tf = await tfjs()
        return () => tfRun(tf, [tf.tensor2d(ha, [n, n]), tf.tensor2d(hb, [n, n])], (ta, tb) => [tf.matMul(ta, tb)])
      }),
    )
    impls.push(
      await peer(JAXJS, async () => {
        const jx = await jax()
        const f = jx.jit((x: JaxArray, y: JaxArray) => jx.numpy.matmul(x, y))
        const arr = (h: Float32Array) => jx.numpy.array(h).reshape([n, n])
        return async () => [(await f(arr(ha), arr(hb)).data()) as Float32Array]
      }),
    )
    impls.push({ name: PLAIN, group: 'peer', run: async () => [jsMatmul(ha, hb, n)] })
    return { impls, reference: async () => [(await matmulDsl.reference(a, b)).data] }
  },
}
