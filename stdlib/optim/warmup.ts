import { dsl, minimum, sub, type Scalar } from '../../dsl/index.js'
import type { Hyper } from './adam.js'

/**
 * Linear warmup then constant: lr(t) = lr₀ + (peak − lr₀)·min(1, t / warmupSteps), t the (traced) step.
 * lr₀ = `start`, 1e-6 by default as in the official code's schedule (linear from 1e-6, then constant;
 * paper Table 8 gives the warmup lengths).
 */
export const linearWarmup = dsl((step: Scalar, peak: Hyper, warmupSteps: Hyper, start: Hyper = 1e-6): Scalar =>
  minimum(step.div(warmupSteps), 1).mul(sub(peak, start)).add(start),
)
