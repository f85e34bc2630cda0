/** Workload 5: a five-op elementwise chain over 4M elements (one fused kernel in drift). */
import type { Array as JaxArray } from '@jax-js/jax'
import { driftImpls, gauss, type Case, type Impl, type Workload } from '../harness.js'
import { jax, JAXJS, peer, PLAIN, TFJS, tfjs, tfRun } from '../peers.js'
import { chain as chainDsl } from './programs.js'

const at = (n: number): Case => ({ size: { elements: n }, flops: 8 * n })

export function jsChain(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length)
  for (let i = 0; i < a.length; i++) {
    const x1 = a[i] * 1.5 + b[i]
    out[i] = Math.sqrt(Math.abs(x1 * x1 - a[i])) * b[i] + 0.5
  }
  return out
}

export const chain: Workload = {
  name: 'chain',
  title: 'elementwise chain x1 = a·1.5 + b; x2 = x1²; x3 = x2 − a; x4 = √|x3|; out = x4·b + 0.5',
  what: 'bench/workloads/kernels.ts `chain`; tfjs-wasm runs the ops one by one (no fusion), jax-js fuses under jit, plain JS is one loop.',
  flopsRule: '8 per element (mul, add, mul, sub, abs, √, mul, add)',
  cases: () => [at(1 << 22)],
  checkCases: [at(1 << 16)],
  tolerance: 1e-5,
  outputs: 'out [n]',
  setup: async (c, ctx) => {
    const n = c.size.elements
    const [a, b] = [gauss([n], 0), gauss([n], 1)]
    const [ha, hb] = [a.data as Float32Array, b.data as Float32Array]
    const impls: Impl[] = driftImpls(ctx.backends, async () => [(await chainDsl.run(a, b)).data])
    impls.push(
      await peer(TFJS, async () => {
        const tf = await tfjs()
        return () =>
          tfRun(tf, [tf.tensor1d(ha), tf.tensor1d(hb)], (ta, tb) => [
            tf.tidy(() => {
              const x1 = ta.mul(1.5).add(tb)
              return x1.mul(x1).sub(ta).abs().sqrt().mul(tb).add(0.5)
            }),
          ])
      }),
    )
    impls.push(
      await peer(JAXJS, async () => {
        const jx = await jax()
        const np = jx.numpy
        const f = jx.jit((x: JaxArray, y: JaxArray) => {
          const x1 = x.ref.mul(1.5).add(y.ref)
          return np
            .sqrt(np.abs(x1.ref.mul(x1).sub(x)))
            .mul(y)
            .add(0.5)
        })
        return async () => [(await f(np.array(ha), np.array(hb)).data()) as Float32Array]
      }),
    )
    impls.push({ name: PLAIN, group: 'peer', run: async () => [jsChain(ha, hb)] })
    return { impls, reference: async () => [(await chainDsl.reference(a, b)).data] }
  },
}
