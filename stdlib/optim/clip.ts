import { div, dsl, maximum, treeLeaves, treeMap, type Scalar } from '../../dsl/index.js'
import type { Hyper } from './adam.js'

/** Global L2 norm of a pytree: √(Σ_leaves Σ x²). */
export const globalNorm = dsl(<P>(tree: P): Scalar =>
  treeLeaves(tree)
    .map((x) => x.square().sum())
    .reduce((a, b) => a.add(b))
    .sqrt(),
)

/**
 * Clip by global norm (optax's form): g ← g · c / max(‖g‖, c). Unchanged when ‖g‖ ≤ c, else
 * rescaled to norm exactly c. `maxNorm` may be traced (the paper uses c = 2).
 */
export const clipByGlobalNorm = dsl(<P>(grads: P, maxNorm: Hyper): P => {
  const scale = div(maxNorm, maximum(globalNorm(grads), maxNorm))
  return treeMap((g) => g.mul(scale), grads)
})
