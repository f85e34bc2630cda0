/**
 * The cost of one float32 exp in drift's wasm kernels: Σ_j exp(−1.5·x_ij) per row of a 4096×4096
 * matrix, minus the same sum without the exp, per element (median of 21 runs after a warm-up).
 * BENCHMARKS.md uses it for the exp-aware bound of the field and the loss at D = 2.
 *
 *   npx drift run bench/exp-rate.ts
 */
import { setBackend } from '../compiler/runtime/backend.js'
import { dsl, type Mat } from '../dsl/index.js'
import { gauss } from './harness.js'

export const scaledSum = dsl((x: Mat) => x.mul(-1.5).sum(1))
export const expSum = dsl((x: Mat) => x.mul(-1.5).exp().sum(1))

const [rows, cols] = [4096, 4096]

async function median(f: typeof scaledSum, x: Mat): Promise<number> {
  await f.run(x)
  const times: number[] = []
  for (let i = 0; i < 21; i++) {
    const t0 = performance.now()
    await f.run(x)
    times.push(performance.now() - t0)
  }
  return times.sort((a, b) => a - b)[10]
}

setBackend('wasm')
const x = gauss([rows, cols], 1)
const [plain, withExp] = [await median(scaledSum, x), await median(expSum, x)]
console.log(
  `exp on wasm: ${(((withExp - plain) * 1e6) / (rows * cols)).toFixed(3)} ns per element (${withExp.toFixed(1)} ms with exp, ${plain.toFixed(1)} ms without, ${rows}×${cols})`,
)
