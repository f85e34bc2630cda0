/** The lines a finished toy run prints: where its outputs are and its final metrics. */
import type { Toy2dConfig } from './config.js'
import { CHECKPOINT_FILE, type RunState } from './checkpoint.js'
import type { Metrics } from './metrics.js'
import { formatLoss } from '../train/progress.js'

const pct = (x: number) => `${(100 * x).toFixed(1)}%`

export function describeMetrics(m: Metrics): string {
  let s = `MMD² ${m.mmd2.toExponential(3)}, energy distance ${m.energy.toExponential(3)}`
  if (m.modes)
    s += `, modes covered ${pct(m.modes.covered)}, mass per mode ${m.modes.mass.map(pct).join(' / ')} (true ${m.modes.weights.map(pct).join(' / ')}, relative error ${pct(m.modes.massError.relative)})`
  return s
}

export function summarize(c: Toy2dConfig, s: RunState, out: string): string {
  const final = s.evals.find((e) => e.step === s.step)
  return [
    `trained ${c.data} with ${c.field} (τ ${c.tau}) for ${s.step} steps: final loss ${s.losses.length ? formatLoss(s.losses[s.losses.length - 1]) : '-'}`,
    final ? `metrics at step ${s.step} on ${final.metrics.samples} samples: ${describeMetrics(final.metrics)}` : '',
    `outputs in ${out}: ${CHECKPOINT_FILE}, config.json, metrics.json, loss.png, samples-step{N}.png`,
  ]
    .filter(Boolean)
    .join('\n')
}
