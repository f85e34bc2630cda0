import { dsl, treeMap, zerosLike } from '../../dsl/index.js'
import type { Hyper } from './adam.js'

/** SGD state: the velocity (a pytree like the parameters). */
export interface SgdState<P> {
  velocity: P
}

/** Zero velocity. */
export const sgdInit = dsl(<P>(params: P): SgdState<P> => ({ velocity: treeMap(zerosLike, params) }))

/**
 * SGD with (heavy-ball) momentum, PyTorch's form: v ← μ·v + g, p ← p − lr·v.
 * μ = `momentum` (default 0: plain SGD, p ← p − lr·g). `lr` and `momentum` may be traced scalars.
 */
export const sgd = dsl(
  <P>(
    params: P,
    grads: P,
    state: SgdState<P>,
    hyper: { lr: Hyper; momentum?: Hyper },
  ): { params: P; state: SgdState<P> } => {
    const { lr, momentum = 0 } = hyper
    const velocity = treeMap((v, g) => v.mul(momentum).add(g), state.velocity, grads)
    return { params: treeMap((p, v) => p.sub(v.mul(lr)), params, velocity), state: { velocity } }
  },
)
