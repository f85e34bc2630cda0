/**
 * paperField (one temperature) in drift and in TensorFlow.js on its WebAssembly backend, in one
 * process, end to end (host arrays in, host array out), median of 5 after a warm-up.
 * jax-js and the plain-JS loop are not in this table yet.
 *
 *   npx drift run bench/field-peers.ts [N:D ...]          default: 256:2 1024:2 2048:2 256:64 1024:64
 */
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { GpujsRuntime, limitsFor, type GpujsMode } from '../compiler/backend/gpujs/run.js'
import { fieldInputs, median, paperFieldFor, sizesFrom } from './field-common.js'

const sizes = sizesFrom(process.argv.slice(2), ['256:2', '1024:2', '2048:2', '256:64', '1024:64'])
const drift: GpujsMode[] = ['webasm', 'webgpu']

/** The same algorithm in TensorFlow.js: distances from ‖x‖² + ‖y‖² − 2xyᵀ, as TF users write it. */
function tfField(x: tf.Tensor2D, pos: tf.Tensor2D, neg: tf.Tensor2D, tau: number): tf.Tensor2D {
  return tf.tidy(() => {
    const dist = (a: tf.Tensor2D, b: tf.Tensor2D) =>
      a.square().sum(1, true).add(b.square().sum(1).reshape([1, -1])).sub(a.matMul(b, false, true).mul(2)).relu().add(1e-8).sqrt() as tf.Tensor2D
    const n = x.shape[0]
    const logits = tf.concat([dist(x, pos), dist(x, neg).add(tf.eye(n, neg.shape[0]).mul(1e6))], 1).div(-tau) as tf.Tensor2D
    const a = tf.logSoftmax(logits, 1).add(tf.logSoftmax(logits.transpose()).transpose()).mul(0.5).exp() as tf.Tensor2D
    const [aPos, aNeg] = tf.split(a, [pos.shape[0], neg.shape[0]], 1) as [tf.Tensor2D, tf.Tensor2D]
    return aPos.mul(aNeg.sum(1, true)).matMul(pos).sub(aNeg.mul(aPos.sum(1, true)).matMul(neg)) as tf.Tensor2D
  })
}

await tf.setBackend('wasm')
console.log(`| N = P = M | D | ${drift.map((m) => `drift ${m}`).join(' | ')} | tfjs-wasm | best drift ÷ tfjs |`)
console.log(`|---|---|${drift.map(() => '---|').join('')}---|---|`)
for (const [n, d] of sizes) {
  const field = paperFieldFor(n, d)
  const inputs = fieldInputs(n, d)
  const arrays = inputs.slice(0, 3).map((a) => a.data as Float32Array)
  const times: number[] = []
  for (const mode of drift) {
    const runtime = new GpujsRuntime(mode)
    const plan = lowerGraph(field.graph, {}, limitsFor(mode)).plan
    times.push(await median(() => runtime.runAsync(plan, inputs)))
  }
  const tfTime = await median(async () => {
    const [x, pos, neg] = arrays.map((a) => tf.tensor2d(a, [n, d]))
    const v = tfField(x, pos, neg, 0.05)
    await v.data()
    tf.dispose([x, pos, neg, v])
  })
  const best = Math.min(...times)
  console.log(`| ${n} | ${d} | ${times.map((t) => `${t.toFixed(1)} ms`).join(' | ')} | ${tfTime.toFixed(1)} ms | ${(best / tfTime).toFixed(2)} |`)
}
process.exit(0)
