/**
 * The peers' engines, started once per process: TensorFlow.js on its WebAssembly backend
 * (XNNPACK; SIMD on, threads off in Node) and jax-js on its `wasm` device (Node has no
 * `navigator.gpu`, so only `cpu` and `wasm` are initialized; `wasm` is jax-js's CPU backend,
 * `cpu` is its debugging interpreter). A peer that cannot start is reported in every cell.
 */
import type * as TF from '@tensorflow/tfjs'
import type * as JAX from '@jax-js/jax'
import type { Impl } from './harness.js'

let tfPromise: Promise<typeof TF> | undefined
let jaxPromise: Promise<typeof JAX> | undefined

export function tfjs(): Promise<typeof TF> {
  tfPromise ??= (async () => {
    const tf = await import('@tensorflow/tfjs')
    await import('@tensorflow/tfjs-backend-wasm')
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend did not initialize')
    await tf.ready()
    return tf
  })()
  return tfPromise
}

export function jax(): Promise<typeof JAX> {
  jaxPromise ??= (async () => {
    const jax = await import('@jax-js/jax')
    const devices = await jax.init('wasm')
    if (!devices.includes('wasm')) throw new Error(`jax-js: no wasm device (found ${devices.join(', ') || 'none'})`)
    jax.defaultDevice('wasm')
    return jax
  })()
  return jaxPromise
}

export const TFJS = 'tfjs-wasm'
export const JAXJS = 'jax-js wasm'
export const PLAIN = 'plain JS'

/**
 * One end-to-end tfjs call: `compute` on the input tensors (made from host arrays inside the
 * timed call, as a user's would be), every output read back to the host in order, and all of
 * them disposed.
 */
export async function tfRun<I extends TF.Tensor[]>(
  tf: typeof TF,
  inputs: [...I],
  compute: (...xs: I) => TF.Tensor[],
): Promise<Float32Array[]> {
  const outs = compute(...inputs)
  try {
    const data: Float32Array[] = []
    for (const o of outs) data.push((await o.data()) as Float32Array)
    return data
  } finally {
    tf.dispose([...inputs, ...outs])
  }
}

/** A peer whose engine failed to start: every call rejects with the reason. */
const unavailable = (name: string, e: unknown): Impl => ({ name, group: 'peer', run: () => Promise.reject(e) })

/** A peer's implementation, set up by `make` (starting its engine); if that fails, one reporting why in every cell. */
export async function peer(name: string, make: () => Promise<Impl['run']>): Promise<Impl> {
  try {
    return { name, group: 'peer', run: await make() }
  } catch (e) {
    return unavailable(name, e)
  }
}
