/**
 * Where a NaN or an infinity first appears in a graph: replay it in the reference interpreter,
 * equation by equation, until the first NaN, noting the first infinity on the way. Used to say
 * which source line produced a NaN (a training run that meets one stops and says so).
 */
import type { Eqn, Graph } from './types.js'
import type { NDArray, Precision } from './ndarray.js'
import { alloc, toPrecision } from './ndarray.js'
import { primitive } from './primitive.js'
import './prims/index.js'

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
    if (Number.isNaN(site.value)) return (report.nan = site), true
    report.infinity ??= site
    return false
  }
  const env = new Map<number, NDArray>()
  for (let i = 0; i < graph.inputs.length; i++) {
    const a = toPrecision(inputs[i], precision)
    const bad = worst(a)
    if (bad !== undefined && note({ kind: 'input', index: i, name: graph.inputNames?.[i] ?? `input ${i}`, value: bad })) return report
    env.set(graph.inputs[i].id, a)
  }
  for (let k = 0; k < graph.eqns.length; k++) {
    const e = graph.eqns[k]
    const args = e.inputs.map((a): NDArray => {
      if (a.kind === 'lit') {
        const lit = alloc([], a.dtype, precision)
        lit.data[0] = a.value
        return lit
      }
      const v = env.get(a.id)
      if (!v) throw new Error(`internal: variable ${a.id} read before it is defined`)
      return v
    })
    const outs = primitive(e.prim).evaluate(args, e.params, precision)
    for (let j = 0; j < outs.length; j++) {
      const bad = worst(outs[j])
      if (bad !== undefined && note({ kind: 'eqn', index: k, eqn: e, value: bad })) return report
      env.set(e.outputs[j].id, outs[j])
    }
  }
  return report
}
