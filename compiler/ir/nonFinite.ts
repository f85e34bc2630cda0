/**
 * Where a NaN or an infinity first appears in a graph: replay it in the reference interpreter,
 * equation by equation, until the first NaN, noting the first infinity on the way. Used to say
 * which source line produced a NaN (a training run that meets one stops and says so).
 */
import type { Eqn, Graph } from './types.js'
import type { NDArray, Precision } from './ndarray.js'
import { evaluateSteps } from './interpret.js'

export type NonFiniteSite =
  | { kind: 'input'; index: number; name: string; value: number }
  | { kind: 'eqn'; index: number; eqn: Eqn; value: number }

export interface NonFiniteReport {
  /** the first input or equation result holding a NaN */
  nan?: NonFiniteSite
  /** the first one holding ±Infinity, if it comes before the first NaN */
  infinity?: NonFiniteSite
}

/** NaN if `a` holds one, else ±Infinity if it holds one, else undefined. */
function worst(a: NDArray): number | undefined {
  if (a.dtype !== 'f32') return undefined
  let inf: number | undefined
  for (const v of a.data) {
    if (Number.isNaN(v)) return v
    if (inf === undefined && !Number.isFinite(v)) inf = v
  }
  return inf
}

/** Replay `graph` on `inputs` up to the first NaN (an empty report: every value is finite). */
export function firstNonFinite(graph: Graph, inputs: NDArray[], precision: Precision = 'f32'): NonFiniteReport {
  const report: NonFiniteReport = {}
  const note = (site: NonFiniteSite): boolean => {
    if (Number.isNaN(site.value)) return ((report.nan = site), true)
    report.infinity ??= site
    return false
  }
  for (const step of evaluateSteps(graph, inputs, precision))
    for (const value of step.values) {
      const bad = worst(value)
      if (bad === undefined) continue
      const site: NonFiniteSite =
        step.kind === 'input'
          ? {
              kind: 'input',
              index: step.index,
              name: graph.inputNames?.[step.index] ?? `input ${step.index}`,
              value: bad,
            }
          : { kind: 'eqn', index: step.index, eqn: step.eqn, value: bad }
      if (note(site)) return report
    }
  return report
}
