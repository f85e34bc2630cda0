/**
 * The IR verifier: a graph is well formed when every variable is defined once (SSA), before it is
 * read, every equation's primitive exists, its parameters have the kinds its registry entry
 * declares (schema.ts), it takes that many operands and, run through its shape
 * rule again, gives exactly the output shapes and dtypes recorded, and every literal is a number of
 * its dtype. Passes run it on what they produce when DRIFT_VERIFY is set (the tests set it).
 */
import type { Atom, Graph } from './types.js'
import { avalOf } from './types.js'
import { isPrimitive, primitive } from './primitive.js'
import { sameShape, showAVal, ShapeError } from './shape.js'
import { readParams, SchemaError } from './schema.js'

export class IRError extends Error {
  override name = 'IRError'
}

/** Throws an IRError naming the first problem (and the pass that made the graph, when given). */
export function verifyGraph(g: Graph, after = 'a pass'): void {
  const problem = graphProblem(g)
  if (problem) throw new IRError(`internal: the IR after ${after} is malformed: ${problem}`)
}

class Malformed extends Error {}

/** The first problem of a graph, or undefined when it is well formed. */
export function graphProblem(g: Graph): string | undefined {
  try {
    check(g)
    return undefined
  } catch (e) {
    if (e instanceof Malformed) return e.message
    throw e
  }
}

function check(g: Graph): void {
  const fail = (msg: string): never => {
    throw new Malformed(msg)
  }
  const defined = new Set<number>()
  const define = (id: number, what: string) => {
    if (defined.has(id)) fail(`variable ${id} is defined twice (${what})`)
    defined.add(id)
  }
  const use = (a: Atom, where: string) => {
    if (a.kind === 'lit') {
      if (typeof a.value !== 'number') fail(`a literal in ${where} is not a number`)
      if (a.dtype !== 'f32' && !Number.isInteger(a.value)) fail(`an ${a.dtype} literal in ${where} is ${a.value}`)
    } else if (!defined.has(a.id)) fail(`variable ${a.id} is read by ${where} before it is defined`)
  }
  g.inputs.forEach((v, i) => define(v.id, `input ${i}`))
  g.eqns.forEach((e, k) => {
    const where = `equation ${k + 1} (${e.prim})`
    if (!isPrimitive(e.prim)) fail(`${where}: no such primitive`)
    const p = primitive(e.prim)
    try {
      readParams(e.prim, e.params, 'its parameters')
    } catch (err) {
      fail(`${where}: ${err instanceof SchemaError ? err.message : String(err)}`)
    }
    if (p.arity !== 'variadic' && p.arity !== e.inputs.length)
      fail(`${where} has ${e.inputs.length} operands, the primitive takes ${p.arity}`)
    e.inputs.forEach((a) => use(a, where))
    let avals
    try {
      avals = p.infer(e.inputs.map(avalOf), e.params)
    } catch (err) {
      fail(`${where} breaks its shape rule: ${err instanceof ShapeError ? err.message : String(err)}`)
    }
    if (avals!.length !== e.outputs.length)
      fail(`${where} records ${e.outputs.length} outputs, its rule gives ${avals!.length}`)
    e.outputs.forEach((o, i) => {
      const want = avals![i]
      if (!sameShape(want.shape, o.shape) || want.dtype !== o.dtype)
        fail(`${where} output ${i} is recorded as ${showAVal(o)}, its rule gives ${showAVal(want)}`)
      define(o.id, where)
    })
  })
  g.outputs.forEach((a, i) => use(a, `output ${i}`))
}

/** Is verification after every pass switched on (DRIFT_VERIFY=1)? */
export const verifying = (): boolean => !!process.env.DRIFT_VERIFY && process.env.DRIFT_VERIFY !== '0'

/** Run a pass, and verify what it made when DRIFT_VERIFY is set. */
export function checked<R extends { graph: Graph }>(name: string, run: () => R): R {
  const r = run()
  if (verifying()) verifyGraph(r.graph, name)
  return r
}
