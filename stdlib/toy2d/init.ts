import { dsl, foldIn, type Key, type Vec } from '../../dsl/index.js'
import { initMlp } from '../nn/init.js'
import type { LinearParams } from '../nn/linear.js'
import { STREAMS } from './batch.js'

/**
 * The generator's initial parameters: an MLP with He-normal hidden layers drawn from the init
 * stream of the key and a zero output layer whose bias is `start`, so the generator starts as a
 * point mass at `start` (at the origin for start = 0, the official notebook's initialization).
 */
export const initGenerator = dsl(
  (key: Key, sizes: number[], start: Vec): LinearParams[] => {
    const layers = initMlp(foldIn(key, STREAMS.init), sizes, 'he', true)
    return layers.map((p, i) => (i === layers.length - 1 ? { w: p.w, b: p.b.add(start) } : p))
  },
  { static: ['sizes'] },
)
