/**
 * paperField (one temperature) on each drift backend, end to end (inputs in, result out), median
 * of 5 runs after one warm-up. Against TensorFlow.js: bench/field-peers.ts.
 *
 *   npx drift run bench/field-backends.ts [N:D ...]        default: 1024:2 2048:2 1024:64
 */
import type { BackendName } from '../compiler/backend/index.js'
import { interpret } from '../compiler/ir/interpret.js'
import { fieldInputs, median, paperFieldFor, runnerOn, sizesFrom } from './field-common.js'

const sizes = sizesFrom(process.argv.slice(2), ['1024:2', '2048:2', '1024:64'])
const modes: BackendName[] = ['wasm', 'webgpu', 'cpu', 'webasm', 'webasm-threads']

console.log(`| N = P = M | D | ${modes.join(' | ')} | interpreter (f32) |`)
console.log(`|---|---|${modes.map(() => '---|').join('')}---|`)
for (const [n, d] of sizes) {
  const field = paperFieldFor(n, d)
  const inputs = fieldInputs(n, d)
  const cells: string[] = []
  for (const mode of modes) {
    try {
      const run = runnerOn(mode, field)
      cells.push(`${(await median(() => run(inputs))).toFixed(0)} ms`)
    } catch (e) {
      cells.push(`n/a (${(e as Error).message.split('\n')[0]})`)
    }
  }
  const interpreter = await median(async () => interpret(field.graph, inputs, 'f32'), 1)
  console.log(`| ${n} | ${d} | ${cells.join(' | ')} | ${interpreter.toFixed(0)} ms |`)
}
process.exit(0)
