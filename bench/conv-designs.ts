/**
 * The two designs of a convolution on wasm, side by side in one process (docs/compiler.md):
 * im2col (the patches stored once, read by a register-blocked matrix product) and direct (the
 * same product recomputing each patch value inside its loop, through the padding tests). For the
 * convolutions of the image workloads: Σy² (the convolution and a sum, so no large output is copied
 * out), and Σy² with both gradients; the CPU
 * time of one call on one thread (process.cpuUsage: on a machine shared with other work, wall
 * time measures the other work too), median of 9 calls after 5 warm-up calls (the first calls of a
 * plan also pay for fresh memory pages), the designs alternating.
 *
 *   npx drift run bench/conv-designs.ts [--batch 128]
 */
import os from 'node:os'
import { parseArgs } from 'node:util'
import { conv2d, dsl, valueAndGrad, type Scalar, type T4 } from '../dsl/index.js'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { WasmRuntime, wasmLimits } from '../compiler/backend/wasm/run.js'
import type { ConvDesign } from '../compiler/transforms/convMatmuls.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import type { Plan } from '../compiler/kernel/types.js'
import { gauss } from './harness.js'

export const forward = dsl((x: T4, w: T4, s: number, p: number): T4 => conv2d(x, w, { stride: s, padding: p }), {
  static: ['s', 'p'],
})
export const loss = dsl(
  (x: T4, w: T4, s: number, p: number): Scalar => conv2d(x, w, { stride: s, padding: p }).square().sum(),
  { static: ['s', 'p'] },
)
export const gradients = dsl((x: T4, w: T4, s: number, p: number) => valueAndGrad(loss, [0, 1])(x, w, s, p), {
  static: ['s', 'p'],
})

const { values } = parseArgs({ args: process.argv.slice(2), options: { batch: { type: 'string', default: '128' } } })
const n = Number(values.batch)
const SHAPES: [string, number[], number[], number, number][] = [
  ['1→32, 3×3, stride 1, padding 1, 28²', [n, 1, 28, 28], [32, 1, 3, 3], 1, 1],
  ['32→64, 3×3, stride 2, padding 1, 28²', [n, 32, 28, 28], [64, 32, 3, 3], 2, 1],
  ['32→32, 3×3, stride 1, padding 1, 14²', [n, 32, 14, 14], [32, 32, 3, 3], 1, 1],
  ['32→32, 1×1, stride 2, 14²', [n, 32, 14, 14], [32, 32, 1, 1], 2, 0],
]
const DESIGNS: ConvDesign[] = ['im2col', 'direct']
const runtime = new WasmRuntime(1)

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]

console.log(
  `batch ${n}, one thread, CPU time per call; ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}`,
)
console.log('| convolution | what | im2col | direct |\n|---|---|---|---|')
for (const [name, xs, ws, s, p] of SHAPES) {
  const x = gauss(xs as [number, number, number, number], 1)
  const w = gauss(ws as [number, number, number, number], 2, 0.1)
  const ins: NDArray[] = [x, w].map((t) => ({ shape: t.shape, dtype: 'f32', data: t.data }))
  for (const [what, f] of [
    ['Σy²', loss],
    ['Σy² and both gradients', gradients],
  ] as const) {
    const { graph } = await f.lower(x, w, s, p)
    const plans = new Map<ConvDesign, Plan>(
      DESIGNS.map((d) => [d, lowerGraph(graph, {}, { ...wasmLimits(), convDesign: d }).plan]),
    )
    const times = new Map<ConvDesign, number[]>(DESIGNS.map((d) => [d, []]))
    for (let i = 0; i < 5; i++) for (const d of DESIGNS) runtime.run(plans.get(d)!, ins)
    for (let i = 0; i < 9; i++)
      for (const d of DESIGNS) {
        const t0 = process.cpuUsage()
        runtime.run(plans.get(d)!, ins)
        const t = process.cpuUsage(t0)
        times.get(d)!.push((t.user + t.system) / 1000)
      }
    const cells = DESIGNS.map((d) => `${median(times.get(d)!).toFixed(1)} ms`)
    console.log(`| ${name} | ${what} | ${cells.join(' | ')} |`)
  }
}
await runtime.terminate()
