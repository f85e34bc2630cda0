import { dsl, treeMap } from '../../dsl/index.js'
import { adamDirection, type AdamHyper, type AdamState } from './adam.js'

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, p ← p − lr·(d + λ·p), d the
 * bias-corrected Adam direction (adam.ts), λ = `weightDecay` (default 0). The same as PyTorch's
 * p ← p·(1 − lr·λ) followed by the Adam step. State from `adamInit`.
 * Paper settings (Table 8): β = (0.9, 0.95), λ = 0.01.
 */
export const adamw = dsl(
  <P>(params: P, grads: P, state: AdamState<P>, hyper: AdamHyper): { params: P; state: AdamState<P> } => {
    const { direction, state: next } = adamDirection(grads, state, hyper)
    const { lr, weightDecay = 0 } = hyper
    return { params: treeMap((p, d) => p.sub(d.add(p.mul(weightDecay)).mul(lr)), params, direction), state: next }
  },
)
