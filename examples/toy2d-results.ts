/**
 * The tables of docs/results-toy2d.md from the runs' metrics.json files:
 *
 *   npx tsx examples/toy2d-results.ts out/toy2d
 *
 * Every folder of the given one holding a finished run becomes a row: the bimodal runs in one
 * table (per τ, field and init), the others in a second.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Metrics } from '../stdlib/toy2d/metrics.js'
import type { Toy2dConfig } from '../stdlib/toy2d/config.js'
import { loadCheckpoint } from '../stdlib/toy2d/checkpoint.js'

interface Run {
  name: string
  config: Toy2dConfig
  step: number
  metrics: Metrics
}

const root = process.argv[2]
if (!root || !fs.existsSync(root)) {
  console.error('usage: npx tsx examples/toy2d-results.ts <folder of runs>')
  process.exit(2)
}
const runs: Run[] = fs
  .readdirSync(root)
  .sort()
  .flatMap((name) => {
    const [m, c] = ['metrics.json', 'config.json'].map((f) => path.join(root, name, f))
    if (!fs.existsSync(m) || !fs.existsSync(c)) return []
    const metrics = JSON.parse(fs.readFileSync(m, 'utf8'))
    const config: Toy2dConfig = JSON.parse(fs.readFileSync(c, 'utf8'))
    return metrics.step === config.steps && metrics.final
      ? [{ name, config, step: metrics.step, metrics: metrics.final }]
      : []
  })

const pct = (x: number) => `${(100 * x).toFixed(1)}%`
const sci = (x: number) => x.toExponential(2)
const FIELD_ORDER = ['paperField', 'attractionOnlyField', 'doubleRepulsionField']
const INIT_ORDER = ['middle', 'far', 'collapsed']

const bimodal = runs
  .filter((r) => r.config.data === 'bimodal')
  .sort(
    (a, b) =>
      a.config.tau - b.config.tau ||
      FIELD_ORDER.indexOf(a.config.field) - FIELD_ORDER.indexOf(b.config.field) ||
      INIT_ORDER.indexOf(a.config.init) - INIT_ORDER.indexOf(b.config.init),
  )
console.log(
  '| τ | field | init | modes covered | mass (−1, 0) / (1, 0), true 30% / 70% | mass error (relative) | MMD² | energy |',
)
console.log('|---|---|---|---|---|---|---|---|')
for (const r of bimodal) {
  const m = r.metrics.modes!
  const ok = m.covered === 1 && m.massError.relative <= 0.1 ? ' ✓' : ''
  console.log(
    `| ${r.config.tau} | ${r.config.field} | ${r.config.init} | ${pct(m.covered)} | ${m.mass.map(pct).join(' / ')} | ${pct(m.massError.relative)}${ok} | ${sci(r.metrics.mmd2)} | ${sci(r.metrics.energy)} |`,
  )
}
console.log('\n| data | field | τ | steps | batch | MMD² | energy | final loss |')
console.log('|---|---|---|---|---|---|---|---|')
for (const r of runs.filter((r) => r.config.data !== 'bimodal')) {
  const losses = loadCheckpoint(path.join(root, r.name)).state.losses
  console.log(
    `| ${r.config.data} | ${r.config.field} | ${r.config.tau} | ${r.step} | ${r.config.batch} | ${sci(r.metrics.mmd2)} | ${sci(r.metrics.energy)} | ${sci(losses.at(-1)!)} |`,
  )
}
