/** Reductions over each axis, with and without keepdims; softmax and its log. */
import {
  logSoftmax,
  logsumexp,
  max,
  mean,
  min,
  softmax,
  sum,
  type Mat,
  type T3,
  type Vec,
  dsl,
} from '../../../dsl/index.js'

export const sums = dsl((x: Mat) => ({
  all: x.sum(),
  cols: x.sum(0),
  rowsKeep: sum(x, 1, true),
  both: x.sum([0, 1], true),
  meanAll: x.mean(),
  meanColsKeep: mean(x, 0, true),
  meanRows: x.mean(1),
  positives: x.gt(0).sum(1),
}))

export const extrema = dsl((x: T3) => ({
  max0: x.max(0),
  min1Keep: x.min(1, true),
  max02: x.max([0, 2]),
  minLast: min(x, -1),
  maxAll: max(x),
  minAllKeep: x.min([0, 1, 2], true),
  max2Keep: max(x, 2, true),
}))

export const logsumexps = dsl((x: Mat) => [
  x.logsumexp(0),
  logsumexp(x, 1, true),
  x.logsumexp(),
  x.mul(40).logsumexp(1),
  logsumexp(x, [0, 1], true),
])

export const softmaxes = dsl((x: Mat) => [
  softmax(x, 0),
  x.softmax(1),
  softmax(x),
  logSoftmax(x, 1),
  x.logSoftmax(0),
  x.mul(50).softmax(1),
])

/** Layer normalization over the last axis, with a gain and a bias. */
export const layerNorm = dsl((x: Mat, g: Vec, b: Vec): Mat => {
  const mu = x.mean(1, true)
  const c = x.sub(mu)
  const v = c.square().mean(1, true)
  return c.div(v.add(1e-5).sqrt()).mul(g).add(b)
})
