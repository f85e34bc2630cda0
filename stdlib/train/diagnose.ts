/**
 * Saying where a NaN came from (host code): replay a DSL call in the float32 reference interpreter
 * and name the first operation, with its source line, that produced a NaN (and the first infinity
 * before it, often the cause). For functions without static parameters (numbers are traced).
 */
import type { DslFunction } from '../../dsl/index.js'
import { firstNonFinite, type NonFiniteSite } from '../../compiler/ir/nonFinite.js'
import { showLoc } from '../../compiler/ir/print.js'
import type { NDArray } from '../../compiler/ir/ndarray.js'
import type { Graph } from '../../compiler/ir/types.js'
import { argSpec, flattenInputs } from '../../compiler/runtime/signature.js'

type AnyFn = (...args: never[]) => unknown

const describe = (s: NonFiniteSite, g: Graph): string =>
  s.kind === 'input'
    ? `the input ${s.name}`
    : `${s.eqn.prim}${s.eqn.loc ? ` at ${showLoc(s.eqn.loc)}` : ''} (equation ${s.index + 1} of ${g.eqns.length})`

export async function explainNonFinite<F extends AnyFn>(f: DslFunction<F>, ...args: Parameters<F>): Promise<string> {
  const { graph } = await f.lower(...args)
  const flat: NDArray[] = []
  args.forEach((a, i) => flattenInputs(a, argSpec(a, false, `arg${i}`), flat))
  const { nan, infinity } = firstNonFinite(graph, flat, 'f32')
  const replay = 'replayed in the float32 reference interpreter'
  if (!nan)
    return `${replay}, the step makes no NaN${infinity ? ` (its first infinity comes from ${describe(infinity, graph)})` : ''}: the backend produced it`
  return `the first NaN comes from ${describe(nan, graph)}${infinity ? `, after ${infinity.value} from ${describe(infinity, graph)}` : ''} (${replay})`
}
