import { dsl, stopGradient, valueAndGrad, type Mat, type Scalar, type f32 } from '../../dsl/index.js'
import { mlp } from '../nn/mlp.js'
import { silu } from '../nn/activations.js'
import type { LinearParams } from '../nn/linear.js'
import { adam, type AdamState } from '../optim/adam.js'

/** A drifting field V(x; pos, neg, τ): any stdlib field with no extra arguments. */
export type Field = (x: Mat, pos: Mat, neg: Mat, tau: f32) => Mat

/** The one-step generator: x = f_θ(ε), an MLP with SiLU between layers. */
export const generate = dsl((params: LinearParams[], noise: Mat): Mat => mlp(params, noise, silu) as Mat)

/**
 * The drifting loss (paper Eq. 6, Alg. 1) as the official toy notebook computes it: x = f_θ(ε),
 * V = V_{p,q}(x) with the generated batch itself as negatives, loss = ‖x − sg(x + V)‖² averaged over
 * the batch and coordinates (its value is mean V², the per-temperature ‖V‖² of a single-temperature
 * field).
 */
export const driftingLoss = dsl((params: LinearParams[], noise: Mat, data: Mat, tau: f32, field: Field): Scalar => {
  const x = generate(params, noise)
  const target = stopGradient(x.add(field(x, data, x, tau)))
  return x.sub(target).square().mean()
})

/** One training step: the loss, its gradient through the generator only, and an Adam update (β₁, β₂ default 0.9, 0.999). */
export const trainStep = dsl(
  (
    params: LinearParams[],
    state: AdamState<LinearParams[]>,
    noise: Mat,
    data: Mat,
    tau: f32,
    lr: f32,
    field: Field,
    beta1: f32 = 0.9,
    beta2: f32 = 0.999,
  ) => {
    const [loss, grads] = valueAndGrad((ps: LinearParams[]) => driftingLoss(ps, noise, data, tau, field))(params)
    const next = adam(params, grads, state, { lr, beta1, beta2 })
    return { loss, params: next.params, state: next.state }
  },
)
