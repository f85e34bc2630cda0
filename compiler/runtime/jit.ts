/** Compile on first call (or read the cache), then run a specialization on host values. */
import type { ArgSpec, FnRef, Specialized } from '../frontend/specialize.js'
import type { TreeDef } from '../ir/types.js'
import type { NDArray, Precision } from '../ir/ndarray.js'
import { interpret } from '../ir/interpret.js'
import { Tensor } from '../../dsl/tensor.js'
import { cacheKey, lookup, store } from './cache.js'
import { argSpec, flattenInputs } from './signature.js'
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
}

/** Specialize `ref` for these host arguments, through the jit cache. */
export async function prepare(
  ref: FnRef,
  args: unknown[],
  isStatic: (i: number) => boolean,
  names: string[],
): Promise<Prepared> {
  const specs = args.map((a, i) => argSpec(a, isStatic(i), names[i] || `arg${i}`))
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

/** Run on the chosen backend: compiled kernels, or the float32 interpreter. */
export async function runCompiled(p: Prepared, args: unknown[]): Promise<unknown> {
  const backend = activeBackend()
  const outs = await backend.run(
    { graph: p.specialized.graph, plan: planOf(p.specialized, backend) },
    flatten(args, p.specs),
  )
  return unflatten(p.specialized.outTree, outs, 'f32')
}

/** Run with the reference interpreter (float32 like the devices, or float64 as the oracle). */
export function runReference(p: Prepared, args: unknown[], precision: Precision): unknown {
  const outs = interpret(p.specialized.graph, flatten(args, p.specs), precision)
  return unflatten(p.specialized.outTree, outs, precision)
}
