import { dsl, sub, treeMap } from '../../dsl/index.js'
import type { Hyper } from './adam.js'

/** Exponential moving average of parameters: ā ← d·ā + (1 − d)·p (d = `decay`, 0.999 in the paper; may be traced). */
export const ema = dsl(<P>(average: P, params: P, decay: Hyper): P =>
  treeMap((a, p) => a.mul(decay).add(p.mul(sub(1, decay))), average, params),
)
