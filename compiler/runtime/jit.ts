/** Compile on first call (or read the cache), then run a specialization on host values. */
import type { ArgSpec, FnRef, Specialized } from '../frontend/specialize.js'
import type { TreeDef } from '../ir/types.js'
import type { NDArray, Precision } from '../ir/ndarray.js'
import { interpret } from '../ir/interpret.js'
import { Tensor } from '../../dsl/tensor.js'
import { cacheKey, lookup, store } from './cache.js'
import { argSpec, flattenInputs } from './signature.js'
import { currentBackend, gpujsRuntime, wasmRuntime, type Backend } from './backend.js'
import { lowerGraph, type BackendLimits } from '../fusion/lower.js'
import { limitsFor } from '../backend/gpujs/run.js'
import { wasmLimits } from '../backend/wasm/run.js'
import type { Plan } from '../kernel/types.js'

export class DslCompileError extends Error {
  override name = 'DslCompileError'
}

export interface Prepared {
  specialized: Specialized
  specs: ArgSpec[]
}

/** Specialize `ref` for these host arguments, through the jit cache. */
export async function prepare(
  ref: FnRef,
  args: unknown[],
  isStatic: (i: number) => boolean,
  names: string[],
): Promise<Prepared> {
  // a parameter left out (or passed undefined) takes its default: traced like a passed number
  // unless static; vjp's last argument is the cotangent, so its arguments are taken as given
  const count = ref.transform?.kind === 'vjp' ? args.length : Math.max(args.length, names.length)
  const specs = Array.from({ length: count }, (_, i): ArgSpec => {
    if (args[i] !== undefined) return argSpec(args[i], isStatic(i), names[i] || `arg${i}`)
    return isStatic(i) ? { tag: 'static', value: undefined } : { tag: 'default' }
  })
  const key = cacheKey({ ref, specs })
  const hit = lookup(key)
  if (hit) return { specialized: hit, specs }
  // The frontend (ts-morph) loads only when something must be compiled.
  const { specialize } = await import('../frontend/specialize.js')
  const { formatDiagnostic } = await import('../frontend/diagnostics.js')
  const r = specialize(ref, specs)
  if (r._tag === 'Left') throw new DslCompileError(r.left.map((d) => formatDiagnostic(d)).join('\n'))
  store(key, r.right)
  return { specialized: r.right, specs }
}

export function flatten(args: unknown[], specs: ArgSpec[]): NDArray[] {
  const flat: NDArray[] = []
  specs.forEach((s, i) => flattenInputs(args[i], s, flat))
  return flat
}

/** The graph's inputs: the caller's leaves, then the defaults of the parameters it left out. */
function inputsOf(p: Prepared, args: unknown[]): NDArray[] {
  const defaults = p.specialized.defaults.map((v): NDArray => ({ shape: [], dtype: 'f32', data: Float64Array.of(v) }))
  return [...flatten(args, p.specs), ...defaults]
}

/** Arrange flat results into the user's nested result, as host Tensors. */
export function unflatten(tree: TreeDef, leaves: NDArray[], precision: Precision): unknown {
  let k = 0
  const go = (t: TreeDef): unknown => {
    switch (t.kind) {
      case 'leaf': {
        const a = leaves[k++]
        const data =
          a.dtype === 'f32' && precision === 'f32' && !(a.data instanceof Float32Array)
            ? Float32Array.from(a.data)
            : a.data
        return new Tensor(data, a.shape, a.dtype)
      }
      case 'array':
        return t.items.map(go)
      case 'object':
        return Object.fromEntries(t.keys.map((key, i) => [key, go(t.items[i])]))
      case 'static':
        return t.value
    }
  }
  return go(tree)
}

const plans = new WeakMap<Specialized, Map<string, Plan>>()
/** What the fusion of `backend` may bind, and how its cost model weighs work. */
export const limitsOf = (backend: Exclude<Backend, 'interpreter'>): BackendLimits =>
  backend === 'wasm' ? wasmLimits() : limitsFor(backend)

/** The kernel plan of a specialization for a backend (lowered once per process). */
export function planOf(s: Specialized, backend: Exclude<Backend, 'interpreter'>): Plan {
  let byBackend = plans.get(s)
  if (!byBackend) plans.set(s, (byBackend = new Map()))
  const limits = limitsOf(backend)
  const key = JSON.stringify(limits)
  let p = byBackend.get(key)
  if (!p) byBackend.set(key, (p = lowerGraph(s.graph, {}, limits).plan))
  return p
}

/** Run on the chosen backend: compiled kernels, or the float32 interpreter. */
export async function runCompiled(p: Prepared, args: unknown[]): Promise<unknown> {
  const backend = currentBackend()
  if (backend === 'interpreter') return runReference(p, args, 'f32')
  const plan = planOf(p.specialized, backend)
  const outs =
    backend === 'wasm'
      ? wasmRuntime().run(plan, inputsOf(p, args))
      : await gpujsRuntime(backend).runAsync(plan, inputsOf(p, args))
  return unflatten(p.specialized.outTree, outs, 'f32')
}

/** Run with the reference interpreter (float32 like the devices, or float64 as the oracle). */
export function runReference(p: Prepared, args: unknown[], precision: Precision): unknown {
  const outs = interpret(p.specialized.graph, inputsOf(p, args), precision)
  return unflatten(p.specialized.outTree, outs, precision)
}
