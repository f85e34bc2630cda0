/** Compile on first call (or read the cache), then run a specialization on host values. */
import path from 'node:path'
import type { ArgSpec, FnRef, Specialized } from '../frontend/specialize.js'
import type { NDArray, Precision } from '../ir/ndarray.js'
import { interpret } from '../ir/interpret.js'
import { cacheKey, lookup, store } from './cache.js'
import { argSpec, flattenInputs, nonFiniteInput, signatureProblem } from './signature.js'
import { activeBackend } from './backend.js'
import { lowerGraph } from '../fusion/lower.js'
import type { Plan } from '../kernel/types.js'
import type { Backend } from '../backend/backend.js'

export class DslCompileError extends Error {
  override name = 'DslCompileError'
}

export interface Prepared {
  specialized: Specialized
  specs: ArgSpec[]
  /** The parameter names, for messages about arguments. */
  names: string[]
}

/** Specialize `ref` for these host arguments, through the jit cache. */
export async function prepare(
  ref: FnRef,
  args: unknown[],
  isStatic: (i: number) => boolean,
  names: string[],
): Promise<Prepared> {
  const arity = names.some((n) => n.startsWith('...')) ? Infinity : names.length
  if (args.length > arity)
    throw new TypeError(
      `the DSL function defined at ${path.relative(process.cwd(), ref.file)}:${ref.line} takes ${arity} ` +
        `argument${arity === 1 ? '' : 's'}, it was called with ${args.length}; remove the extra ones`,
    )
  // a parameter left out (or passed undefined) takes its default: traced like a passed number
  // unless static; vjp's last argument is the cotangent, so its arguments are taken as given
  const count = ref.transform?.kind === 'vjp' ? args.length : Math.max(args.length, names.length)
  const specs = Array.from({ length: count }, (_, i): ArgSpec => {
    if (args[i] !== undefined) return argSpec(args[i], isStatic(i), names[i] || `arg${i}`)
    return isStatic(i) ? { tag: 'static', value: undefined } : { tag: 'default' }
  })
  const key = cacheKey({ ref, specs })
  const hit = lookup(key, (s) => signatureProblem(s, specs))
  if (hit) return { specialized: hit, specs, names }
  // The frontend (ts-morph) loads only when something must be compiled.
  const { specialize } = await import('../frontend/specialize.js')
  const { formatDiagnostic } = await import('../frontend/diagnostics.js')
  const r = specialize(ref, specs)
  if (r._tag === 'Left') throw new DslCompileError(r.left.map((d) => formatDiagnostic(d)).join('\n'))
  store(key, r.right)
  return { specialized: r.right, specs, names }
}

/** Throws a TypeError naming the first argument that holds NaN or ±∞. */
function checkFinite(args: unknown[], specs: ArgSpec[], names: string[]): void {
  specs.forEach((s, i) => {
    const problem = nonFiniteInput(args[i], s, names[i] || `arg${i}`)
    if (problem) throw new TypeError(problem)
  })
}

export function flatten(args: unknown[], specs: ArgSpec[]): NDArray[] {
  const flat: NDArray[] = []
  specs.forEach((s, i) => flattenInputs(args[i], s, flat))
  return flat
}

/** The graph's inputs: the caller's leaves, then the defaults of the parameters it left out. */
function inputsOf(p: Prepared, args: unknown[]): NDArray[] {
  checkFinite(args, p.specs, p.names)
  const defaults = p.specialized.defaults.map((v): NDArray => ({ shape: [], dtype: 'f32', data: Float64Array.of(v) }))
  return [...flatten(args, p.specs), ...defaults]
}

const plans = new WeakMap<Specialized, Map<string, Plan>>()

/** The kernel plan of a specialization for a backend that runs plans (lowered once per process and limits). */
export function planOf(s: Specialized, backend: Backend): Plan | undefined {
  if (!backend.limits) return undefined
  let byLimits = plans.get(s)
  if (!byLimits) plans.set(s, (byLimits = new Map()))
  const limits = backend.limits()
  const key = JSON.stringify(limits)
  let p = byLimits.get(key)
  if (!p) byLimits.set(key, (p = lowerGraph(s.graph, {}, limits).plan))
  return p
}

/** Run on the chosen backend (compiled kernels, or the float32 interpreter): the flat results. */
export async function runCompiled(p: Prepared, args: unknown[]): Promise<NDArray[]> {
  const backend = activeBackend()
  return backend.run({ graph: p.specialized.graph, plan: planOf(p.specialized, backend) }, inputsOf(p, args))
}

/** Run with the reference interpreter (float32 like the devices, or float64 as the oracle): the flat results. */
export function runReference(p: Prepared, args: unknown[], precision: Precision): NDArray[] {
  return interpret(p.specialized.graph, inputsOf(p, args), precision)
}
