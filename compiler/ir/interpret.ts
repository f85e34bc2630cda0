/** The reference interpreter of L1, in float32 or float64: the oracle for every later stage. */
import type { Atom, Eqn, Graph } from './types.js'
import { primitive } from './primitive.js'
import { alloc, toPrecision, type NDArray, type Precision } from './ndarray.js'
import { sameShape, showAVal } from './shape.js'
import { HOST_MEMORY_LIMIT, checkGraphMemory } from './memory.js'
import './prims/index.js'

/** One value the interpreter computed: a graph input, or the outputs of equation `index`. */
export type Step =
  { kind: 'input'; index: number; values: NDArray[] } | { kind: 'eqn'; index: number; eqn: Eqn; values: NDArray[] }

/** Evaluate `graph` step by step (a caller may stop early); the last step's values are the outputs. */
export function* evaluateSteps(
  graph: Graph,
  inputs: NDArray[],
  precision: Precision = 'f64',
): Generator<Step, NDArray[]> {
  if (inputs.length !== graph.inputs.length)
    throw new Error(`expected ${graph.inputs.length} inputs, got ${inputs.length}`)
  checkGraphMemory(graph, precision, `${precision} interpreter`, HOST_MEMORY_LIMIT)
  const env = new Map<number, NDArray>()
  for (let i = 0; i < graph.inputs.length; i++) {
    const [v, a] = [graph.inputs[i], inputs[i]]
    if (!sameShape(a.shape, v.shape) || a.dtype !== v.dtype)
      throw new Error(`input ${graph.inputNames?.[i] ?? i}: expected ${showAVal(v)}, got ${showAVal(a)}`)
    env.set(v.id, toPrecision(a, precision))
    yield { kind: 'input', index: i, values: [env.get(v.id)!] }
  }
  const read = (a: Atom): NDArray => {
    if (a.kind === 'lit') {
      const out = alloc([], a.dtype, precision)
      out.data[0] = a.value
      return out
    }
    const v = env.get(a.id)
    if (!v) throw new Error(`internal: variable ${a.id} read before it is defined`)
    return v
  }
  for (let k = 0; k < graph.eqns.length; k++) {
    const e = graph.eqns[k]
    const outs = primitive(e.prim).evaluate(e.inputs.map(read), e.params, precision)
    e.outputs.forEach((v, i) => env.set(v.id, outs[i]))
    yield { kind: 'eqn', index: k, eqn: e, values: outs }
  }
  return graph.outputs.map(read)
}

export function interpret(graph: Graph, inputs: NDArray[], precision: Precision = 'f64'): NDArray[] {
  const steps = evaluateSteps(graph, inputs, precision)
  for (;;) {
    const r = steps.next()
    if (r.done) return r.value
  }
}
