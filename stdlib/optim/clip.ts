import { div, dsl, maximum, treeLeaves, treeMap, type Scalar } from '../../dsl/index.js'
import type { Hyper } from './adam.js'

/**
 * Global L2 norm of a pytree: √(Σ_leaves Σ x²), computed as m·√(Σ (x/m)²) with m the largest |x|,
 * so gradients of 1e20 (an encoder's GroupNorm backward on identical images multiplies by 1/√ε at
 * every layer) give their norm instead of overflowing float32 to ∞.
 */
export const globalNorm = dsl(<P>(tree: P): Scalar => {
  const leaves = treeLeaves(tree)
  const largest = leaves.map((x) => x.abs().max()).reduce((a, b) => maximum(a, b))
  const m = maximum(largest, 1e-30)
  return leaves
    .map((x) => x.div(m).square().sum())
    .reduce((a, b) => a.add(b))
    .sqrt()
    .mul(m)
})

/**
 * Clip by global norm (optax's form): g ← g · c / max(‖g‖, c). Unchanged when ‖g‖ ≤ c, else
 * rescaled to norm exactly c. `maxNorm` may be traced (the paper uses c = 2).
 */
export const clipByGlobalNorm = dsl(<P>(grads: P, maxNorm: Hyper): P => {
  const scale = div(maxNorm, maximum(globalNorm(grads), maxNorm))
  return treeMap((g) => g.mul(scale), grads)
})
