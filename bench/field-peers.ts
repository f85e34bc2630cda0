/**
 * paperField (one temperature) in drift and in TensorFlow.js on its WebAssembly backend, in one
 * process, end to end (host arrays in, host array out), median of 5 after a warm-up.
 * The full side-by-side harness (jax-js, plain JS, the floor, more workloads) is bench/main.ts.
 *
 *   npx drift run bench/field-peers.ts [N:D ...]          default: 256:2 1024:2 2048:2 256:64 1024:64
 */
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import type { BackendName } from '../compiler/backend/index.js'
import { fieldInputs, median, paperFieldFor, runnerOn, sizesFrom } from './field-common.js'
import { tfField } from './workloads/field-impls.js'

const sizes = sizesFrom(process.argv.slice(2), ['256:2', '1024:2', '2048:2', '256:64', '1024:64'])
const drift: BackendName[] = ['wasm', 'webgpu']

await tf.setBackend('wasm')
console.log(`| N = P = M | D | ${drift.map((m) => `drift ${m}`).join(' | ')} | tfjs-wasm | best drift ÷ tfjs |`)
console.log(`|---|---|${drift.map(() => '---|').join('')}---|---|`)
for (const [n, d] of sizes) {
  const field = paperFieldFor(n, d)
  const inputs = fieldInputs(n, d)
  const arrays = inputs.slice(0, 3).map((a) => a.data as Float32Array)
  const times: number[] = []
  for (const mode of drift) {
    const run = runnerOn(mode, field)
    times.push(await median(() => run(inputs)))
  }
  const tfTime = await median(async () => {
    const [x, pos, neg] = arrays.map((a) => tf.tensor2d(a, [n, d]))
    const v = tfField(tf, x, pos, neg, 0.05)
    await v.data()
    tf.dispose([x, pos, neg, v])
  })
  const best = Math.min(...times)
  console.log(
    `| ${n} | ${d} | ${times.map((t) => `${t.toFixed(1)} ms`).join(' | ')} | ${tfTime.toFixed(1)} ms | ${(best / tfTime).toFixed(2)} |`,
  )
}
process.exit(0)
