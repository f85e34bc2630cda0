/**
 * One scaling measurement in its own process (spawned by bench/scaling.ts): paperField at
 * N = P = M = n, D = 2 for one implementation; prints one line `SCALING_RESULT {json}`.
 *
 *   node bin/drift.mjs run bench/scaling-child.ts <drift:backend | tfjs-wasm | jax-js wasm | plain JS> <n> <runs>
 */
import { paperField } from '../stdlib/fields/paper.js'
import { measure } from './harness.js'
import { fieldImpls } from './workloads/field.js'

const [which, nArg, runsArg] = process.argv.slice(2)
const n = Number(nArg)
const runs = Number(runsArg ?? 1)
const maxRssMB = () => process.resourceUsage().maxRSS / 1024

const isDrift = which.startsWith('drift:')
const { impls, tensors } = await fieldImpls(n, 2, isDrift ? [which.slice(6)] : [], isDrift ? [] : [which])
const impl = impls[0]
// compile before the baseline (ts-morph's memory is not the field's)
if (isDrift) await paperField.lower(tensors[0], tensors[1], tensors[2], 0.05)
const baselineMB = maxRssMB()
let sumAbs: number | undefined
const timing = await measure(
  async () => {
    const [v] = await impl.run()
    let s = 0
    for (let i = 0; i < v.length; i++) s += Math.abs(v[i])
    sumAbs = s
  },
  // after the warm-up, timed runs stop once 20 s are spent (at least one)
  { runs, budgetMs: 20_000, limitMs: Infinity },
)
const peakMB = maxRssMB()
console.log(`SCALING_RESULT ${JSON.stringify({ ...timing, peakMB, deltaMB: peakMB - baselineMB, baselineMB, sumAbs })}`)
process.exit(0)
