import {
  cdist,
  concat,
  dsl,
  eye,
  ones,
  softmax,
  split,
  stack,
  stopGradient,
  type T3,
  type Vec,
} from '../../dsl/index.js'
import { DEFAULT_LOSS_VARIANT, type DriftLossVariant } from './driftLossVariant.js'

/** The affinity of each kernel normalization (driftLossVariant.ts), from the logits [B, Cg, Ct]. */
const AFFINITY = {
  both: (logits: T3, floor: number): T3 => {
    const product = softmax(logits, 2).mul(softmax(logits, 1))
    return (floor > 0 ? product.maximum(floor * floor) : product).sqrt()
  },
  row: (logits: T3): T3 => softmax(logits, 2),
  // one factor e^(−max L) for the whole key, which the drift normalization cancels (docs/mnist.md#loss-variants)
  none: (logits: T3): T3 => logits.sub(logits.max()).exp(),
}

/** k·x, without an operation at k = 1 and k = −1 (so the default variant's program is the official loss's). */
const scaled = (x: T3, k: number): T3 => (k === 1 ? x : k === -1 ? x.neg() : x.mul(k))

/**
 * The official drifting loss of one feature key, `drift_loss.py` translated literally (paper App. A.6,
 * Eq. 18–26; docs/paper.md#official-loss). gen [B, Cg, S], fixedNeg [B, Cn, S] (unconditional reals),
 * fixedPos [B, Cp, S], w [B] the CFG weight of each row's negatives. Under stopGradient: feature scale = weighted mean
 * distance (self-distances included), inputs divided by max(scale/√S, 1e−3), distances by max(scale,
 * 1e−3) (so −d/R ≡ −‖φ̃x − φ̃y‖/(τ√S)), self mask +100; per τ: affinity sqrt(clip(row·col softmax,
 * 1e−6)) then ×w (the code weights after both softmaxes, the paper only says "in the kernel"), drift
 * F = coeff·targets − rowsum(coeff)·x, f2 = mean F², force = Σ F/√max(f2, 1e−8).
 * loss = mean over B of mean over (Cg, S) of (gen/scale − (gen/scale + force))²; perTemperature = f2.
 * `variant` (static; driftLossVariant.ts) scales the two halves of F, F = a·V⁺ − b·V⁻, picks the
 * affinity's normalization, its floor and the temperatures; the default is the official loss.
 */
export const driftLoss = dsl(
  (gen: T3, fixedNeg: T3, fixedPos: T3, w: Vec, variant: DriftLossVariant = DEFAULT_LOSS_VARIANT) => {
    const [B, Cg, S] = gen.shape
    const [Cn, Ct] = [fixedNeg.shape[1], Cg + fixedNeg.shape[1] + fixedPos.shape[1]]
    const oldGen = stopGradient(gen)
    const targets = concat([oldGen, fixedNeg, fixedPos], 1)
    const weights = concat([ones([B, Cg]), ones([B, Cn]).mul(w.reshape([B, 1])), ones([B, Ct - Cg - Cn])], 1).reshape([
      B,
      1,
      Ct,
    ])
    const dist = stopGradient(cdist(oldGen, targets, { squared: true }).maximum(1e-8).sqrt())
    const scale = dist.mul(weights).mean().div(weights.mean())
    const scaleInputs = scale.div(Math.sqrt(S)).maximum(1e-3)
    const [genS, targetsS] = [oldGen.div(scaleInputs), targets.div(scaleInputs)]
    const distN = dist.div(scale.maximum(1e-3)).add(eye(Cg, Ct).mul(100))
    const drifts = variant.temperatures.map((R) => {
      const logits = distN.div(-R)
      const [affNeg, affPos] = split(
        AFFINITY[variant.normalize](logits, variant.affinityFloor).mul(weights),
        [Cg + Cn],
        2,
      )
      const coeff = concat(
        [
          scaled(affNeg.mul(affPos.sum(2, true)), -variant.repulsion),
          scaled(affPos.mul(affNeg.sum(2, true)), variant.attraction),
        ],
        2,
      )
      const force = coeff.matmul(targetsS).sub(coeff.sum(2, true).mul(genS))
      return { force, f2: force.square().mean() }
    })
    const goal = stopGradient(drifts.reduce((acc, d) => acc.add(d.force.div(d.f2.maximum(1e-8).sqrt())), genS))
    const loss = gen.div(scaleInputs).sub(goal).square().mean([1, 2]).mean()
    return {
      loss,
      perTemperature: stack(
        drifts.map((d) => d.f2),
        0,
      ),
    }
  },
  { static: ['variant'] },
)
