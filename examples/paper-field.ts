/**
 * The paper's drifting field on 2-D toy data: compile, show the L1 program, run it, and check
 * the property the paper builds on: the drift vanishes once the generated samples match the data.
 *
 *   npx drift run examples/paper-field.ts
 */
import { randomKey, type Tensor } from '../dsl/index.js'
import { paperField } from '../stdlib/fields/paper.js'
import { toyPoints } from './toyPoints.js'

const n = 64
const data = await toyPoints(randomKey(0), 128, [2, 0]) // "data": a blob centred at (2, 0)
const gen = await toyPoints(randomKey(1), n, [-2, 0]) // "generated": a blob centred at (-2, 0)
const tau = 0.5

const lowered = await paperField.lower(gen, data, gen, tau)
console.log(`paperField specialized to x=${n}x2, pos=128x2, neg=${n}x2 (${lowered.graph.eqns.length} equations):\n`)
console.log(lowered.text)

const meanNorm = (v: Tensor) => {
  let s = 0
  for (let i = 0; i < v.shape[0]; i++) s += Math.hypot(v.data[2 * i], v.data[2 * i + 1])
  return s / v.shape[0]
}
const v = await paperField.run(gen, data, gen, tau)
const mean = [0, 1].map((d) => Array.from({ length: n }, (_, i) => v.data[2 * i + d]).reduce((a, b) => a + b) / n)
console.log(
  `\ndata far from generator: mean drift (${mean[0].toFixed(3)}, ${mean[1].toFixed(3)}), mean |V| ${meanNorm(v).toFixed(3)} (points toward +x)`,
)

const matched = await toyPoints(randomKey(2), 128, [-2, 0]) // data drawn from the generator's own distribution
const vpp = await paperField.run(gen, matched, gen, tau)
console.log(`data ~ generator:      mean |V| ${meanNorm(vpp).toFixed(3)} (anti-symmetry: the drift vanishes as q → p)`)
