/**
 * paperField (one temperature) on each drift backend, end to end (inputs in, result out), median
 * of 5 runs after one warm-up. Peers (tfjs-wasm, jax-js) are not in this table yet.
 *
 *   npx drift run bench/field-backends.ts [N:D ...]        default: 1024:2 2048:2 1024:64
 */
import { specialize } from '../compiler/frontend/specialize.js'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { GpujsRuntime, limitsFor, type GpujsMode } from '../compiler/backend/gpujs/run.js'
import { interpret } from '../compiler/ir/interpret.js'
import type { NDArray } from '../compiler/ir/ndarray.js'

const sizes = (process.argv.slice(2).length ? process.argv.slice(2) : ['1024:2', '2048:2', '1024:64']).map((s) => s.split(':').map(Number))
const modes: GpujsMode[] = ['cpu', 'webasm', 'webasm-threads', 'webgpu']
const tensor = (shape: number[]) => ({ tag: 'tensor' as const, aval: { shape, dtype: 'f32' as const } })
const points = (n: number, d: number, phase: number): NDArray => ({ shape: [n, d], dtype: 'f32', data: Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 0.37 + phase)) })

async function median(f: () => Promise<unknown>, runs = 5): Promise<number> {
  await f()
  const t: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await f()
    t.push(performance.now() - t0)
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)]
}

console.log(`| N = P = M | D | ${modes.join(' | ')} | interpreter (f32) |`)
console.log(`|---|---|${modes.map(() => '---|').join('')}---|`)
for (const [n, d] of sizes) {
  const r = specialize({ file: new URL('../stdlib/fields/paper.ts', import.meta.url).pathname, exportName: 'paperField' }, [tensor([n, d]), tensor([n, d]), tensor([n, d]), tensor([])])
  if (r._tag === 'Left') throw new Error(r.left.map((x) => x.message).join('\n'))
  const inputs = [points(n, d, 0), points(n, d, 1), points(n, d, 2), { shape: [], dtype: 'f32', data: Float32Array.of(0.05) } as NDArray]
  const cells: string[] = []
  for (const mode of modes) {
    const runtime = new GpujsRuntime(mode)
    const plan = lowerGraph(r.right.graph, {}, limitsFor(mode)).plan
    try {
      cells.push(`${(await median(() => runtime.runAsync(plan, inputs))).toFixed(0)} ms`)
    } catch (e) {
      cells.push(`n/a (${(e as Error).message.split('\n')[0]})`)
    }
  }
  const interpreter = await median(async () => interpret(r.right.graph, inputs, 'f32'), 1)
  console.log(`| ${n} | ${d} | ${cells.join(' | ')} | ${interpreter.toFixed(0)} ms |`)
}
process.exit(0)
