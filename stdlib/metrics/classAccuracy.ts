import { dsl, iota, where, type Mat, type Scalar, type Vec } from '../../dsl/index.js'

/**
 * The accuracy of a classifier on samples of known classes: the fraction of rows of logits [n, K]
 * whose largest entry is at the class asked for, labels [n] (i32). A tie goes to the lowest class,
 * as argmax does.
 */
export const classAccuracy = dsl((logits: Mat, labels: Vec<'i32'>): Scalar => {
  const column = iota(logits.shape, 1)
  const predicted = where(logits.eq(logits.max(1, true)), column, logits.shape[1]).min(1)
  return predicted.eq(labels).astype('f32').mean()
})
