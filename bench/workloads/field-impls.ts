/**
 * paperField (stdlib/fields/paper.ts, one temperature) written as each peer's users would write it.
 * tfjs and jax-js compute distances as √(max(‖x‖² + ‖y‖² − 2xyᵀ, 0) + 1e-8) (matmul-based, N×(P+M)
 * matrices materialized); the plain-JS loop streams: two passes over the pairs (online row and
 * column log-sum-exp, then the weighted sums), recomputing direct distances, O(N + P + M) memory.
 * All three give drift's numbers (cdist's eps = 1e-8, self mask +1e6, √(softmax_y ⊙ softmax_x) as
 * exp of the mean log-softmax).
 */
import type * as TF from '@tensorflow/tfjs'
import type * as JAX from '@jax-js/jax'

type Tf = typeof TF
type Jax = typeof JAX
type JArray = JAX.Array

/** tfjs: x [N,D], pos [P,D], neg [M,D] → V [N,D] (inside a tidy). */
export function tfField(tf: Tf, x: TF.Tensor2D, pos: TF.Tensor2D, neg: TF.Tensor2D, tau: number): TF.Tensor2D {
  return tf.tidy(() => {
    const dist = (a: TF.Tensor2D, b: TF.Tensor2D) =>
      a
        .square()
        .sum(1, true)
        .add(b.square().sum(1).reshape([1, -1]))
        .sub(a.matMul(b, false, true).mul(2))
        .relu()
        .add(1e-8)
        .sqrt() as TF.Tensor2D
    const n = x.shape[0]
    const logits = tf
      .concat([dist(x, pos), dist(x, neg).add(tf.eye(n, neg.shape[0]).mul(1e6))], 1)
      .div(-tau) as TF.Tensor2D
    // tf.logSoftmax works along the last axis only: the column one goes through a transpose
    const a = tf.logSoftmax(logits, 1).add(tf.logSoftmax(logits.transpose()).transpose()).mul(0.5).exp() as TF.Tensor2D
    const [aPos, aNeg] = tf.split(a, [pos.shape[0], neg.shape[0]], 1) as [TF.Tensor2D, TF.Tensor2D]
    return aPos
      .mul(aNeg.sum(1, true))
      .matMul(pos)
      .sub(aNeg.mul(aPos.sum(1, true)).matMul(neg)) as TF.Tensor2D
  })
}

/** jax-js (consumes its arguments, jax-js's ownership rule; `.ref` keeps an array for another use). */
export function jaxField(jax: Jax, x: JArray, pos: JArray, neg: JArray, tau: number): JArray {
  const { numpy: np, nn } = jax
  const dist = (a: JArray, b: JArray) => {
    const a2 = np.square(a.ref).sum(1, { keepdims: true })
    const b2 = np.square(b.ref).sum(1).reshape([1, -1])
    return np.sqrt(np.maximum(a2.add(b2).sub(np.matmul(a, b.transpose()).mul(2)), 0).add(1e-8))
  }
  const [n, p, m] = [x.shape[0], pos.shape[0], neg.shape[0]]
  const dPos = dist(x.ref, pos.ref)
  const dNeg = dist(x, neg.ref).add(np.eye(n, m).mul(1e6))
  const logits = np.concatenate([dPos, dNeg], 1).div(-tau)
  const a = np.exp(nn.logSoftmax(logits.ref, 1).add(nn.logSoftmax(logits, 0)).mul(0.5))
  const [aPos, aNeg] = np.split(a, [p], 1)
  const wPos = aPos.ref.mul(aNeg.ref.sum(1, { keepdims: true }))
  const wNeg = aNeg.mul(aPos.sum(1, { keepdims: true }))
  return np.matmul(wPos, pos).sub(np.matmul(wNeg, neg))
}

/** Plain JS over Float32Arrays (row-major), streaming: no N×(P+M) array. */
export function jsField(
  x: Float32Array,
  pos: Float32Array,
  neg: Float32Array,
  n: number,
  p: number,
  m: number,
  d: number,
  tau: number,
): Float32Array {
  const t = p + m
  const logit = (i: number, j: number): number => {
    const [y, o] = j < p ? [pos, j * d] : [neg, (j - p) * d]
    let s = 0
    for (let c = 0; c < d; c++) {
      const diff = x[i * d + c] - y[o + c]
      s += diff * diff
    }
    return -(Math.sqrt(s + 1e-8) + (j - p === i ? 1e6 : 0)) / tau
  }
  // pass 1: log-sum-exp of every row (over targets) and every column (over samples), online
  const rowLse = new Float64Array(n)
  const colMax = new Float64Array(t).fill(-Infinity)
  const colSum = new Float64Array(t)
  for (let i = 0; i < n; i++) {
    let rMax = -Infinity
    let rSum = 0
    for (let j = 0; j < t; j++) {
      const l = logit(i, j)
      if (l > rMax) ((rSum = rSum * Math.exp(rMax - l) + 1), (rMax = l))
      else rSum += Math.exp(l - rMax)
      if (l > colMax[j]) ((colSum[j] = colSum[j] * Math.exp(colMax[j] - l) + 1), (colMax[j] = l))
      else colSum[j] += Math.exp(l - colMax[j])
    }
    rowLse[i] = rMax + Math.log(rSum)
  }
  const halfColLse = colMax.map((mx, j) => 0.5 * (mx + Math.log(colSum[j])))
  // pass 2: a = exp(l − ½ rowLse − ½ colLse); V = rowsum(aNeg)·(aPos·pos) − rowsum(aPos)·(aNeg·neg)
  const out = new Float32Array(n * d)
  const accPos = new Float64Array(d)
  const accNeg = new Float64Array(d)
  for (let i = 0; i < n; i++) {
    accPos.fill(0)
    accNeg.fill(0)
    let sPos = 0
    let sNeg = 0
    const half = 0.5 * rowLse[i]
    for (let j = 0; j < t; j++) {
      const a = Math.exp(logit(i, j) - half - halfColLse[j])
      if (j < p) {
        sPos += a
        for (let c = 0; c < d; c++) accPos[c] += a * pos[j * d + c]
      } else {
        sNeg += a
        for (let c = 0; c < d; c++) accNeg[c] += a * neg[(j - p) * d + c]
      }
    }
    for (let c = 0; c < d; c++) out[i * d + c] = sNeg * accPos[c] - sPos * accNeg[c]
  }
  return out
}

/**
 * Useful FLOPs of one call at N samples, P positives, M negatives, D dimensions: per (sample,
 * target) pair 3D for the distance, 2D for the two weighted matmuls and 10 for the rest (√, scale,
 * two log-softmax terms, their mean, exp, the row-sum weights), each exp/log/√ counted as one.
 */
export const fieldFlops = (n: number, p: number, m: number, d: number) => n * (p + m) * (5 * d + 10)
