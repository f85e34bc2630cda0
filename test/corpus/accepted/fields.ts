/** Drifting fields built from the primitives. */
import { cdist, dsl, softmax, stopGradient, type Mat, type f32 } from '../../../dsl/index.js'

/** Attraction to positives minus repulsion from negatives, each a softmax-weighted mean. */
export const attractRepel = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32) => {
  const toward = (y: Mat) => softmax(cdist(x, y).div(-tau), 1).matmul(y)
  const v = toward(pos).sub(toward(neg))
  return { v, target: stopGradient(x.add(v)), pair: stopGradient([v, x]) }
})
