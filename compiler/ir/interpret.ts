/** The reference interpreter of L1, in float32 or float64: the oracle for every later stage. */
import type { Atom, Graph } from './types.js'
import { primitive } from './primitive.js'
import { alloc, toPrecision, type NDArray, type Precision } from './ndarray.js'
import { sameShape, showAVal } from './shape.js'
import './prims/index.js'

export function interpret(graph: Graph, inputs: NDArray[], precision: Precision = 'f64'): NDArray[] {
  if (inputs.length !== graph.inputs.length) throw new Error(`expected ${graph.inputs.length} inputs, got ${inputs.length}`)
  const env = new Map<number, NDArray>()
  graph.inputs.forEach((v, i) => {
    const a = inputs[i]
    if (!sameShape(a.shape, v.shape) || a.dtype !== v.dtype)
      throw new Error(`input ${graph.inputNames?.[i] ?? i}: expected ${showAVal(v)}, got ${showAVal(a)}`)
    env.set(v.id, toPrecision(a, precision))
  })
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
  for (const e of graph.eqns) {
    const outs = primitive(e.prim).evaluate(e.inputs.map(read), e.params, precision)
    e.outputs.forEach((v, i) => env.set(v.id, outs[i]))
  }
  return graph.outputs.map(read)
}
