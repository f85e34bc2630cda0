import { dsl, minimum, sub, treeMap, type Scalar } from '../../dsl/index.js'
import type { Hyper } from './adam.js'

/** Exponential moving average of parameters: ā ← d·ā + (1 − d)·p (d = `decay`, 0.999 in the paper; may be traced). */
export const ema = dsl(<P>(average: P, params: P, decay: Hyper): P =>
  treeMap((a, p) => a.mul(decay).add(p.mul(sub(1, decay))), average, params),
)

/**
 * The decay of an EMA with a warm-up: min(decay, (1 + t)/(10 + t)) at the update after t earlier
 * ones (TensorFlow's ExponentialMovingAverage with num_updates). A plain 0.999 keeps 0.999ᵗ of the
 * initial weights after t updates (half after 700); with the warm-up the average starts from the
 * first updates and reaches `decay` after about 9000 updates at 0.999.
 */
export const emaWarmupDecay = dsl((updates: Scalar, decay: Hyper): Scalar =>
  minimum(updates.add(1).div(updates.add(10)), decay),
)
