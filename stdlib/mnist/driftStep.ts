/**
 * One training step of the image pipeline (paper §3.4–§3.5, App. A.6–A.9; docs/paper.md), the whole
 * step one compiled program: the generator makes N_neg images per class group, the frozen encoder
 * gives the multi-scale features of the generated images (gradients flow through it), of the
 * positives and of the unconditional real samples (stopped), the official drift loss runs on every
 * feature key with one drift problem per (location, class group) and the group's CFG weight on its
 * unconditional negatives, the per-key losses are summed, and AdamW (after global-norm clipping)
 * updates the generator; its EMA follows.
 */
import {
  dsl,
  stack,
  stopGradient,
  treeMap,
  vjp,
  zerosLike,
  onesLike,
  type Mat,
  type Scalar,
  type T3,
  type T4,
  type Vec,
} from '../../dsl/index.js'
import { driftLoss } from '../fields/driftLoss.js'
import { DEFAULT_LOSS_VARIANT, type DriftLossVariant } from '../fields/driftLossVariant.js'
import { adamw } from '../optim/adamw.js'
import type { AdamState } from '../optim/adam.js'
import { clipByGlobalNorm, globalNorm } from '../optim/clip.js'
import { ema, emaWarmupDecay } from '../optim/ema.js'
import { linearWarmup } from '../optim/warmup.js'
import { generate, type GeneratorKind, type GeneratorParams } from './generator.js'
import { selectFeatures, type Features, type FeatureSet } from './features.js'
import type { EncoderParams } from './encoder.js'

/** What a step draws on the host: the generator's inputs for G class groups and their real samples. */
export interface DriftBatch {
  /** [G·N_neg, C, H, W], group-major */
  noise: T4
  /** [G·N_neg]: each group's class */
  labels: Vec<'i32'>
  /** [G·N_neg, styles]: style-codebook indices */
  styles: Mat<'i32'>
  /** [G·N_neg]: each group's CFG scale */
  alpha: Vec
  /** [G·N_pos, C, H, W]: real samples of each group's class */
  positives: T4
  /** [G·N_unc, C, H, W]: real samples of any class, each group's unconditional negatives */
  uncond: T4
  /** [G]: each group's CFG weight w = (α − 1)(N_neg − 1)/N_unc */
  w: Vec
}

/** A key's features [F, G·n, S] as G·F drift problems of n samples: [F·G, n, S] (location-major). */
const byGroup = (f: T3, groups: number): T3 => {
  const [locations, n, s] = f.shape
  return f.reshape([locations * groups, n / groups, s]) as T3
}

/**
 * The summed drift loss (of the loss variant `variant`) over every feature key of the generated
 * images' features `gen`, against the positives' and unconditional samples' features;
 * `perTemperature` holds each key's raw ‖V‖² per τ (the convergence signal: the normalized loss
 * itself does not go to 0).
 */
export function featureDriftLoss(
  gen: Features,
  pos: Features,
  unc: Features,
  w: Vec,
  variant: DriftLossVariant = DEFAULT_LOSS_VARIANT,
): { loss: Scalar; perTemperature: { [key: string]: Vec } } {
  const groups = w.shape[0]
  const terms = Object.keys(gen).map((key) => {
    const locations = gen[key].shape[0]
    const rowWeights = w
      .reshape([1, groups])
      .broadcastTo([locations, groups])
      .reshape([locations * groups]) as Vec
    return driftLoss(
      byGroup(gen[key], groups),
      byGroup(unc[key], groups),
      byGroup(pos[key], groups),
      rowWeights,
      variant,
    )
  })
  return {
    loss: stack(
      terms.map((t) => t.loss),
      0,
    ).sum(),
    perTemperature: Object.fromEntries(Object.keys(gen).map((key, i) => [key, terms[i].perTemperature])),
  }
}

/** The drift loss's variant and the feature set it is taken over: compile-time settings of a step. */
export interface DriftVariant extends DriftLossVariant {
  features: FeatureSet
}

/** The official loss over every feature key. */
export const DEFAULT_DRIFT_VARIANT: DriftVariant = { ...DEFAULT_LOSS_VARIANT, features: 'all' }

/** The generator's training state: weights, AdamW moments and step, and their EMA. */
export interface GeneratorState {
  params: GeneratorParams
  adam: AdamState<GeneratorParams>
  ema: GeneratorParams
}

/** The step's settings, all traced (a new value never recompiles). */
export interface DriftHyper {
  /** peak learning rate, reached linearly over `warmup` steps from 1e-6 */
  lr: Scalar
  warmup: Scalar
  weightDecay: Scalar
  beta1: Scalar
  beta2: Scalar
  /** global-norm clipping of the gradient */
  clip: Scalar
  /** the EMA's decay, reached after its warm-up (optim/ema.ts) */
  emaDecay: Scalar
  /** the weight of the α embedding in the generator's condition */
  alphaScale: Scalar
}

/**
 * One step: the summed feature drift loss of the generated images, its gradient through the frozen
 * encoder into the generator (of architecture `generator`), clipped, an AdamW update and the EMA. Returns the new state, the loss,
 * each key's raw ‖V‖² per temperature and the gradient's norm before clipping. `variant` picks the
 * loss's variant and feature set (the feature set `global` never runs the encoder, which may be null).
 */
export const driftStep = dsl(
  (
    s: GeneratorState,
    encoder: EncoderParams | null,
    b: DriftBatch,
    h: DriftHyper,
    generator: GeneratorKind,
    variant: DriftVariant = DEFAULT_DRIFT_VARIANT,
  ) => {
    const features = (x: T4) => selectFeatures(variant.features, encoder, x)
    const pos = stopGradient(features(b.positives))
    const unc = stopGradient(features(b.uncond))
    const lossOf = (p: GeneratorParams) =>
      featureDriftLoss(
        features(generate(generator, p, b.noise, b.labels, b.styles, b.alpha, h.alphaScale)),
        pos,
        unc,
        b.w,
        variant,
      )
    const [out, pullback] = vjp(lossOf, s.params)
    const [grads] = pullback({ loss: onesLike(out.loss), perTemperature: treeMap(zerosLike, out.perTemperature) })
    const lr = linearWarmup(s.adam.step, h.lr, h.warmup)
    const hyper = { lr, beta1: h.beta1, beta2: h.beta2, weightDecay: h.weightDecay }
    const next = adamw(s.params, clipByGlobalNorm(grads, h.clip), s.adam, hyper)
    const decay = emaWarmupDecay(s.adam.step, h.emaDecay)
    return {
      state: { params: next.params, adam: next.state, ema: ema(s.ema, next.params, decay) },
      loss: out.loss,
      perTemperature: out.perTemperature,
      gradNorm: globalNorm(grads),
    }
  },
  { static: ['generator', 'variant'] },
)
