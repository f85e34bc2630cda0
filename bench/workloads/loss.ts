/**
 * Workload 2: the official multi-temperature drifting loss, driftLoss (stdlib/fields/driftLoss.ts),
 * forward value only: gen [1, N, D], fixedNeg [1, 16, D] (unconditional reals, weight w = 1.5),
 * fixedPos [1, N, D]; outputs loss [] and perTemperature [3] (τ ∈ 0.02, 0.05, 0.2).
 */
import type * as TF from '@tensorflow/tfjs'
import type * as JAX from '@jax-js/jax'
import { Tensor } from '../../dsl/index.js'
import { driftLoss } from '../../stdlib/fields/driftLoss.js'
import { TEMPERATURES } from '../../stdlib/fields/driftLossVariant.js'
import { driftImpls, gauss, type Case, type Impl, type Outputs, type Workload } from '../harness.js'
import { jax, JAXJS, peer, PLAIN, TFJS, tfjs, tfRun } from '../peers.js'

type JArray = JAX.Array
const CN = 16
const W = 1.5

const at = (n: number, d: number): Case => {
  const ct = 2 * n + CN
  return { size: { 'N = P': n, D: d }, flops: n * ct * (9 * d + 45) }
}

/** tfjs, line by line from driftLoss (softmax along a non-last axis as exp(l − logsumexp(l))). */
function tfLoss(
  tf: typeof TF,
  gen: TF.Tensor3D,
  neg: TF.Tensor3D,
  pos: TF.Tensor3D,
  w: TF.Tensor1D,
): [TF.Scalar, TF.Tensor1D] {
  return tf.tidy(() => {
    const [B, Cg, S] = gen.shape
    const [Cn, Cp] = [neg.shape[1], pos.shape[1]]
    const Ct = Cg + Cn + Cp
    const targets = tf.concat([gen, neg, pos], 1)
    const weights = tf
      .concat([tf.ones([B, Cg]), tf.ones([B, Cn]).mul(w.reshape([B, 1])), tf.ones([B, Cp])], 1)
      .reshape([B, 1, Ct])
    const sq = gen
      .square()
      .sum(2, true)
      .add(targets.square().sum(2).reshape([B, 1, Ct]))
      .sub(tf.matMul(gen, targets, false, true).mul(2))
    const dist = sq.maximum(1e-8).sqrt()
    const scale = dist.mul(weights).mean().div(weights.mean())
    const scaleInputs = scale.div(Math.sqrt(S)).maximum(1e-3)
    const [genS, targetsS] = [gen.div(scaleInputs), targets.div(scaleInputs)]
    const distN = dist.div(scale.maximum(1e-3)).add(tf.eye(Cg, Ct).mul(100))
    const softmax = (l: TF.Tensor, axis: number) => l.sub(l.logSumExp(axis, true)).exp()
    const drifts = TEMPERATURES.map((R) => {
      const logits = distN.div(-R)
      const aff = softmax(logits, 2).mul(softmax(logits, 1)).maximum(1e-6).sqrt().mul(weights)
      const [affNeg, affPos] = tf.split(aff, [Cg + Cn, Cp], 2)
      const coeff = tf.concat(
        [affNeg.mul(affPos.sum(2, true)).neg(), affPos.mul(affNeg.sum(2, true))],
        2,
      ) as TF.Tensor3D
      const force = tf.matMul(coeff, targetsS as TF.Tensor3D).sub(coeff.sum(2, true).mul(genS))
      return { force, f2: force.square().mean() }
    })
    const goal = drifts.reduce((acc, d) => acc.add(d.force.div(d.f2.maximum(1e-8).sqrt())), genS)
    const loss = gen.div(scaleInputs).sub(goal).square().mean([1, 2]).mean() as TF.Scalar
    return [loss, tf.stack(drifts.map((d) => d.f2)) as TF.Tensor1D]
  })
}

/** jax-js, the same lines; every use takes a `.ref`, the named intermediates are disposed at the end. */
function jaxLoss(jx: typeof JAX, gen: JArray, neg: JArray, pos: JArray, w: JArray): [JArray, JArray] {
  const { numpy: np, nn } = jx
  const [B, Cg, S] = gen.shape
  const [Cn, Cp] = [neg.shape[1], pos.shape[1]]
  const Ct = Cg + Cn + Cp
  const keep = { keepdims: true }
  const targets = np.concatenate([gen.ref, neg, pos], 1)
  const weights = np
    .concatenate([np.ones([B, Cg]), np.ones([B, Cn]).mul(w.reshape([B, 1])), np.ones([B, Cp])], 1)
    .reshape([B, 1, Ct])
  const sq = np
    .square(gen.ref)
    .sum(2, keep)
    .add(np.square(targets.ref).sum(2).reshape([B, 1, Ct]))
    .sub(np.matmul(gen.ref, targets.ref.transpose([0, 2, 1])).mul(2))
  const dist = np.sqrt(np.maximum(sq, 1e-8))
  const scale = dist.ref.mul(weights.ref).mean().div(weights.ref.mean())
  const scaleInputs = np.maximum(scale.ref.div(Math.sqrt(S)), 1e-3)
  const genS = gen.ref.div(scaleInputs.ref)
  const targetsS = targets.div(scaleInputs.ref)
  const distN = dist.div(np.maximum(scale, 1e-3)).add(np.eye(Cg, Ct).mul(100))
  const drifts = TEMPERATURES.map((R) => {
    const logits = distN.ref.div(-R)
    const aff = np.sqrt(np.maximum(nn.softmax(logits.ref, 2).mul(nn.softmax(logits, 1)), 1e-6)).mul(weights.ref)
    const [affNeg, affPos] = np.split(aff, [Cg + Cn], 2)
    const coeff = np.concatenate([affNeg.ref.mul(affPos.ref.sum(2, keep)).neg(), affPos.mul(affNeg.sum(2, keep))], 2)
    const force = np.matmul(coeff.ref, targetsS.ref).sub(coeff.sum(2, keep).mul(genS.ref))
    return { force: force.ref, f2: np.square(force).mean() }
  })
  const goal = drifts.reduce((acc, d) => acc.add(d.force.div(np.sqrt(np.maximum(d.f2.ref, 1e-8)))), genS.ref)
  const loss = np.square(gen.div(scaleInputs.ref).sub(goal)).mean([1, 2]).mean()
  const perTemperature = np.stack(drifts.map((d) => d.f2))
  for (const a of [weights, genS, targetsS, distN, scaleInputs]) a.dispose()
  return [loss, perTemperature]
}

/** Plain JS, B = 1: the Cg×Ct distance matrix once, then per temperature two passes for the softmaxes and one for the forces. */
export function jsLoss(
  gen: Float32Array,
  neg: Float32Array,
  pos: Float32Array,
  w: number,
  Cg: number,
  Cn: number,
  Cp: number,
  S: number,
): [Float32Array, Float32Array] {
  const Ct = Cg + Cn + Cp
  const targets = new Float32Array(Ct * S)
  targets.set(gen, 0)
  targets.set(neg, Cg * S)
  targets.set(pos, (Cg + Cn) * S)
  const wt = (j: number) => (j >= Cg && j < Cg + Cn ? w : 1)
  const dist = new Float32Array(Cg * Ct)
  let sumDW = 0
  for (let i = 0; i < Cg; i++)
    for (let j = 0; j < Ct; j++) {
      let s = 0
      for (let c = 0; c < S; c++) {
        const diff = gen[i * S + c] - targets[j * S + c]
        s += diff * diff
      }
      const d = Math.sqrt(Math.max(s, 1e-8))
      dist[i * Ct + j] = d
      sumDW += d * wt(j)
    }
  const scale = sumDW / (Cg * Ct) / ((Cg + Cn * w + Cp) / Ct)
  const si = Math.max(scale / Math.sqrt(S), 1e-3)
  const sd = Math.max(scale, 1e-3)
  const genS = Float64Array.from(gen, (v) => v / si)
  const targetsS = Float64Array.from(targets, (v) => v / si)
  const goal = Float64Array.from(genS)
  const perT = new Float32Array(TEMPERATURES.length)
  const L = new Float64Array(Cg * Ct)
  const rowLse = new Float64Array(Cg)
  const colLse = new Float64Array(Ct)
  const aff = new Float64Array(Ct)
  const force = new Float64Array(Cg * S)
  TEMPERATURES.forEach((R, k) => {
    for (let i = 0; i < Cg; i++)
      for (let j = 0; j < Ct; j++) L[i * Ct + j] = -(dist[i * Ct + j] / sd + (i === j ? 100 : 0)) / R
    for (let i = 0; i < Cg; i++) {
      let mx = -Infinity
      for (let j = 0; j < Ct; j++) mx = Math.max(mx, L[i * Ct + j])
      let s = 0
      for (let j = 0; j < Ct; j++) s += Math.exp(L[i * Ct + j] - mx)
      rowLse[i] = mx + Math.log(s)
    }
    colLse.fill(-Infinity)
    for (let i = 0; i < Cg; i++) for (let j = 0; j < Ct; j++) colLse[j] = Math.max(colLse[j], L[i * Ct + j])
    const colSum = new Float64Array(Ct)
    for (let i = 0; i < Cg; i++) for (let j = 0; j < Ct; j++) colSum[j] += Math.exp(L[i * Ct + j] - colLse[j])
    for (let j = 0; j < Ct; j++) colLse[j] += Math.log(colSum[j])
    let f2 = 0
    for (let i = 0; i < Cg; i++) {
      let sNeg = 0
      let sPos = 0
      for (let j = 0; j < Ct; j++) {
        const l = L[i * Ct + j]
        aff[j] = Math.sqrt(Math.max(Math.exp(l - rowLse[i]) * Math.exp(l - colLse[j]), 1e-6)) * wt(j)
        if (j < Cg + Cn) sNeg += aff[j]
        else sPos += aff[j]
      }
      let cSum = 0
      for (let c = 0; c < S; c++) force[i * S + c] = 0
      for (let j = 0; j < Ct; j++) {
        const coeff = j < Cg + Cn ? -aff[j] * sPos : aff[j] * sNeg
        cSum += coeff
        for (let c = 0; c < S; c++) force[i * S + c] += coeff * targetsS[j * S + c]
      }
      for (let c = 0; c < S; c++) {
        force[i * S + c] -= cSum * genS[i * S + c]
        f2 += force[i * S + c] ** 2
      }
    }
    f2 /= Cg * S
    perT[k] = f2
    const norm = Math.sqrt(Math.max(f2, 1e-8))
    for (let e = 0; e < Cg * S; e++) goal[e] += force[e] / norm
  })
  let loss = 0
  for (let e = 0; e < Cg * S; e++) loss += (genS[e] - goal[e]) ** 2
  return [Float32Array.of(loss / (Cg * S)), perT]
}

export const loss: Workload = {
  name: 'loss',
  title: 'driftLoss, three temperatures (value only)',
  what:
    'stdlib/fields/driftLoss.ts (the official multi-temperature loss, forward) at gen [1, N, D], fixedNeg [1, 16, D] with w = 1.5, fixedPos [1, N, D]. ' +
    'tfjs and jax-js (jit) are line-by-line translations (matmul-based squared distances, softmax along the sample axis as exp(l − logsumexp)); plain JS materializes the N×(2N+16) distances once.',
  flopsRule:
    'Cg·Ct·(9D + 45), Cg = N, Ct = 2N + 16: 3D for the distance, then per temperature 2D for coeff·targets and ~15 elementwise',
  cases: (quick) =>
    (quick
      ? [
          [256, 2],
          [1024, 64],
        ]
      : [256, 1024, 2048].flatMap((n) => [
          [n, 2],
          [n, 64],
        ])
    ).map(([n, d]) => at(n, d)),
  checkCases: [at(256, 2), at(128, 64)],
  tolerance: 1e-3,
  outputs: 'loss [], perTemperature [3]',
  setup: async (c, ctx) => {
    const { 'N = P': n, D: d } = c.size
    const [gen, neg, pos] = [gauss([1, n, d], 0), gauss([1, CN, d], 1), gauss([1, n, d], 2)]
    const w = new Tensor<[number]>(Float32Array.of(W), [1], 'f32')
    const host = [gen, neg, pos].map((t) => t.data as Float32Array)
    const both = (r: { loss: Tensor; perTemperature: Tensor }): Outputs => [r.loss.data, r.perTemperature.data]
    const impls: Impl[] = driftImpls(ctx.backends, async () => both(await driftLoss.run(gen, neg, pos, w)))
    impls.push(
      await peer(TFJS, async () => {
        const tf = await tfjs()
        const tensor3 = (t: Tensor) => tf.tensor3d(t.data as Float32Array, t.shape as [number, number, number])
        return () =>
          tfRun(tf, [tensor3(gen), tensor3(neg), tensor3(pos), tf.tensor1d([W])], (g, ng, p, wt) =>
            tfLoss(tf, g, ng, p, wt),
          )
      }),
    )
    impls.push(
      await peer(JAXJS, async () => {
        const jx = await jax()
        const f = jx.jit((g: JArray, ng: JArray, p: JArray, wt: JArray) => jaxLoss(jx, g, ng, p, wt))
        const arr = (t: Tensor) => jx.numpy.array(t.data as Float32Array).reshape([...t.shape])
        return async () => {
          const [l, perT] = f(arr(gen), arr(neg), arr(pos), jx.numpy.array(Float32Array.of(W)))
          return [(await l.data()) as Float32Array, (await perT.data()) as Float32Array]
        }
      }),
    )
    impls.push({ name: PLAIN, group: 'peer', run: async () => jsLoss(host[0], host[1], host[2], W, n, CN, n, d) })
    return { impls, reference: async () => both(await driftLoss.reference(gen, neg, pos, w)) }
  },
}
