import { dsl, maximum, minimum, sub, type Scalar } from '../../dsl/index.js'
import type { Hyper } from './adam.js'

/**
 * Linear warmup then constant: lr(t) = lr₀ + (peak − lr₀)·min(1, t / warmupSteps), t the (traced) step.
 * lr₀ = `start`, 1e-6 by default as in the official code's schedule (linear from 1e-6, then constant;
 * paper Table 8 gives the warmup lengths).
 */
export const linearWarmup = dsl((step: Scalar, peak: Hyper, warmupSteps: Hyper, start: Hyper = 1e-6): Scalar =>
  minimum(step.div(warmupSteps), 1).mul(sub(peak, start)).add(start),
)

/**
 * Linear warmup then cosine decay to 0 (Loshchilov & Hutter, SGDR): after the warmup,
 * lr(t) = peak·½(1 + cos(π·min(1, (t − warmupSteps)/(totalSteps − warmupSteps)))).
 */
export const warmupCosine = dsl(
  (step: Scalar, peak: Hyper, warmupSteps: Hyper, totalSteps: Hyper, start: Hyper = 1e-6): Scalar => {
    const progress = minimum(maximum(step.sub(warmupSteps).div(sub(totalSteps, warmupSteps)), 0), 1)
    const cosine = progress.mul(Math.PI).cos().add(1).mul(0.5)
    return linearWarmup(step, peak, warmupSteps, start).mul(cosine)
  },
)
