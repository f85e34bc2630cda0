/**
 * The random draws of a labelled data set for one training step (host code), each a pure
 * function of (seed, step) as the toy run's batches are (stdlib/toy2d/batch.ts): N_c distinct
 * classes, N samples of each class (distinct within the draw), and N unconditional samples
 * (distinct within the draw), each kind from its own stream of the counter-based RNG.
 */
import { CounterRng, STREAMS } from './counterRng.js'

/** A labelled data set: n samples, and the indices of each class's samples. */
export interface Labelled {
  n: number
  byClass: ArrayLike<number>[]
}

export interface ClassDraw {
  /** the step's classes, distinct, in draw order */
  classes: Int32Array
  /** indices[k·perClass + j]: the j-th sample of classes[k] */
  indices: Int32Array
}

/** `nClasses` distinct classes and `perClass` distinct samples of each, for step `step`. */
export function drawClasses(set: Labelled, seed: number, step: number, nClasses: number, perClass: number): ClassDraw {
  const sizes = set.byClass.map((c) => c.length)
  const smallest = Math.min(...sizes)
  if (!Number.isInteger(perClass) || perClass < 0 || perClass > smallest)
    throw new RangeError(
      `drawClasses: ${perClass} distinct samples per class asked, the smallest class (${sizes.indexOf(smallest)}) has ${smallest}`,
    )
  const classes = new CounterRng(seed, step, STREAMS.classes).distinct(set.byClass.length, nClasses)
  const rng = new CounterRng(seed, step, STREAMS.positives)
  const indices = new Int32Array(nClasses * perClass)
  classes.forEach((c, k) => {
    const members = set.byClass[c]
    rng.distinct(members.length, perClass).forEach((j, i) => (indices[k * perClass + i] = members[j]))
  })
  return { classes, indices }
}

/** `n` distinct samples of the whole set, for step `step`. */
export function drawUnconditional(set: Labelled, seed: number, step: number, n: number): Int32Array {
  return new CounterRng(seed, step, STREAMS.unconditional).distinct(set.n, n)
}
