import { dsl, pow, sub, treeMap, zeros, zerosLike, type Scalar, type f32 } from '../../dsl/index.js'

/** Adam state: step count t (a traced f32 scalar) and first/second moment pytrees. */
export interface AdamState<P> {
  step: Scalar
  m: P
  v: P
}

/** A hyper-parameter: a number (static or traced) or a scalar tensor computed in DSL code (a schedule). */
export type Hyper = f32 | Scalar

/** Hyper-parameters; any of them may be traced scalars (a new value never recompiles). */
export interface AdamHyper {
  lr: Hyper
  beta1?: Hyper
  beta2?: Hyper
  eps?: Hyper
  weightDecay?: Hyper
}

/** t = 0, m = v = 0. */
export const adamInit = dsl(<P>(params: P): AdamState<P> => ({
  step: zeros([]),
  m: treeMap(zerosLike, params),
  v: treeMap(zerosLike, params),
}))

/**
 * The Adam direction (Kingma & Ba) with t ← t + 1:
 * m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), d = m̂ / (√v̂ + ε).
 * Defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8 (the paper trains with β = (0.9, 0.95)).
 */
export const adamDirection = <P>(
  grads: P,
  state: AdamState<P>,
  hyper: AdamHyper,
): { direction: P; state: AdamState<P> } => {
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = hyper
  const step = state.step.add(1)
  const correct1 = sub(1, pow(beta1, step))
  const correct2 = sub(1, pow(beta2, step))
  const m = treeMap((m, g) => m.mul(beta1).add(g.mul(sub(1, beta1))), state.m, grads)
  const v = treeMap((v, g) => v.mul(beta2).add(g.square().mul(sub(1, beta2))), state.v, grads)
  const direction = treeMap((m, v) => m.div(correct1).div(v.div(correct2).sqrt().add(eps)), m, v)
  return { direction, state: { step, m, v } }
}

/** Adam: p ← p − lr·d, d the bias-corrected direction above (hyper.weightDecay is ignored: see adamw). */
export const adam = dsl(
  <P>(params: P, grads: P, state: AdamState<P>, hyper: AdamHyper): { params: P; state: AdamState<P> } => {
    const { direction, state: next } = adamDirection(grads, state, hyper)
    return { params: treeMap((p, d) => p.sub(d.mul(hyper.lr)), params, direction), state: next }
  },
)
