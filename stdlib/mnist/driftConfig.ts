/** The settings of the generator's training by multi-scale feature drifting (host code; docs/mnist.md). */
import { resolveSettings, isCount, isFraction, isNonNegative, isOneOf, isRate, isSeed } from '../train/settings.js'
import { RunError } from '../train/errors.js'
import { MNIST_CLASSES } from '../data/mnist.js'
import { GENERATORS, type GeneratorKind } from './generator.js'
import {
  KERNEL_NORMALIZATIONS,
  OFFICIAL_AFFINITY_FLOOR,
  TEMPERATURES,
  type KernelNormalization,
} from '../fields/driftLossVariant.js'
import { FEATURE_SETS, readsEncoder, type FeatureSet } from './features.js'
import type { DriftVariant } from './driftStep.js'

/** Style tokens per sample and entries per codebook (paper App. A.2: 32 tokens, 64 entries). */
export const STYLES = { tokens: 32, codebook: 64 }

export interface DriftConfig {
  /**
   * the folder of a `drift train mae` run: its EMA encoder gives the features ('': the default
   * folder, trained first when empty; must be '' for the feature set `global`, which reads no encoder)
   */
  encoder: string
  /** the folder of a `drift train classifier` run for the metrics at the end ('': the default folder, trained first when empty) */
  classifier: string
  /** class groups per step (N_c) and, per group, generated samples, positives, unconditional samples */
  classes: number
  nNeg: number
  nPos: number
  nUnc: number
  /**
   * the drift loss's variant (docs/mnist.md#loss-variants): V = attraction·V⁺ − repulsion·V⁻, the
   * kernel's normalization, the temperatures, and the feature keys the loss is summed over
   */
  attraction: number
  repulsion: number
  /** a finishing phase: from step `finishFrom` on (0: none), attraction weighs `finishAttraction` instead */
  finishFrom: number
  finishAttraction: number
  normalize: KernelNormalization
  temperatures: number[]
  /** the least affinity of the `both` normalization (the official 1e−3; 0: none) */
  affinityFloor: number
  features: FeatureSet
  /** the generator's architecture (generator.ts): a residual MLP over the image, or the paper's DiT */
  generator: GeneratorKind
  /** its width (the MLP's hidden width, the DiT's token width), blocks, the DiT's patch side, and the blocks' MLP ratio */
  width: number
  depth: number
  patch: number
  mlpRatio: number
  steps: number
  /** AdamW's peak learning rate after a linear warmup, moment decays, weight decay; global-norm clip */
  lr: number
  warmup: number
  beta1: number
  beta2: number
  weightDecay: number
  clip: number
  emaDecay: number
  /** the weight of the α embedding in the generator's condition */
  alphaScale: number
  /** p(α) ∝ α^−k on [1, alphaMax], and the fraction of groups trained without guidance */
  alphaPower: number
  alphaMax: number
  noCfg: number
  seed: number
  checkpointEvery: number
  logEvery: number
  /** generated samples scored at the end per α of the sweep, against as many test images (needs `classifier`) */
  evalSamples: number
}

export const DRIFT_DEFAULTS: DriftConfig = {
  encoder: '',
  classifier: '',
  classes: MNIST_CLASSES,
  nNeg: 8,
  nPos: 8,
  nUnc: 4,
  // 2V⁺ − V⁻ (Table 1's variant): more accuracy in a 30-minute run, less variety (docs/results-mnist.md)
  attraction: 2,
  repulsion: 1,
  finishFrom: 0,
  finishAttraction: 1,
  normalize: 'both',
  temperatures: [...TEMPERATURES],
  affinityFloor: OFFICIAL_AFFINITY_FLOOR,
  features: 'all',
  generator: 'mlp',
  width: 256,
  depth: 2,
  patch: 4,
  mlpRatio: 2,
  steps: 1800,
  lr: 2e-3,
  warmup: 20,
  beta1: 0.9,
  beta2: 0.95,
  weightDecay: 0.01,
  clip: 2,
  emaDecay: 0.999,
  alphaScale: 1,
  // α uniform on [1, 4] (k = 0): the paper's k = 3 rarely draws a large α, and in runs this short the
  // generator then learns little from guidance (docs/results-mnist.md#the-α-prior)
  alphaPower: 0,
  alphaMax: 4,
  noCfg: 0,
  seed: 0,
  checkpointEvery: 100,
  logEvery: 10,
  evalSamples: 1000,
}

/**
 * `--quick`: a run of a few minutes on a 2-core CPU whose samples are digits already (docs/mnist.md
 * has what it reaches), with the encoder and classifier reused. Its field weighs attraction 1.5×
 * (Table 1's variant): in 300 steps that takes the class asked for from 71% to 84%, at the cost of
 * some variety (docs/results-mnist.md). It keeps the paper's α prior (k = 3).
 */
export const DRIFT_QUICK: Partial<DriftConfig> = {
  steps: 300,
  checkpointEvery: 300,
  attraction: 1.5,
  // in 300 steps a flatter prior costs the worst class (log-uniform: the 4s at 45% against 72%)
  alphaPower: 3,
}

/** The settings a resumed run may change: how often it writes and what it measures at the end. */
export const DRIFT_RESUMABLE: (keyof DriftConfig)[] = [
  'steps',
  'checkpointEvery',
  'logEvery',
  'classifier',
  'evalSamples',
]

/** Temperatures a run may sum: each one adds its drift to every feature key's program. */
const MAX_TEMPERATURES = 8

function check(key: keyof DriftConfig, v: unknown): string | undefined {
  switch (key) {
    case 'encoder':
      return typeof v === 'string' ? undefined : `encoder must name a drift train mae folder, or be ''`
    case 'classifier':
      return typeof v === 'string' ? undefined : `classifier must name a drift train classifier folder, or be ''`
    case 'classes':
      return isCount(key, v, 1, MNIST_CLASSES)
    case 'nNeg':
      return isCount(key, v, 2, 256)
    case 'nPos':
    case 'nUnc':
      return isCount(key, v, 1, 256)
    case 'attraction':
    case 'repulsion':
    case 'finishAttraction':
      return isNonNegative(key, v)
    case 'finishFrom':
      return isCount(key, v, 0)
    case 'normalize':
      return isOneOf(key, v, KERNEL_NORMALIZATIONS)
    case 'affinityFloor':
      return isRate(key, v)
    case 'features':
      return isOneOf(key, v, FEATURE_SETS)
    case 'temperatures':
      return Array.isArray(v) &&
        v.length >= 1 &&
        v.length <= MAX_TEMPERATURES &&
        v.every((t) => typeof t === 'number' && Number.isFinite(t) && t > 0)
        ? undefined
        : `temperatures must be a list of 1 to ${MAX_TEMPERATURES} positive numbers, e.g. 0.02,0.05,0.2, got ${JSON.stringify(v)}`
    case 'generator':
      return isOneOf(key, v, GENERATORS)
    case 'width':
      return isCount(key, v, 32, 1024) ?? (Number(v) % 32 ? `width must be a multiple of 32, got ${v}` : undefined)
    case 'depth':
      return isCount(key, v, 1, 32)
    case 'patch':
      return isOneOf(key, v, [1, 2, 4, 8])
    case 'mlpRatio':
      return isCount(key, v, 1, 8)
    case 'steps':
      return isCount(key, v, 0)
    case 'warmup':
      // the learning rate is step/warmup of its peak: at least one step of warmup
      return isCount(key, v, 1)
    case 'lr':
    case 'clip':
    case 'alphaPower':
      return isNonNegative(key, v)
    case 'beta1':
    case 'beta2':
    case 'emaDecay':
      return isRate(key, v)
    case 'noCfg':
      // 1: every group unguided, the generator trained on p(·|c) alone
      return isFraction(key, v)
    case 'weightDecay':
    case 'alphaScale':
      return isNonNegative(key, v)
    case 'alphaMax':
      return typeof v === 'number' && v >= 1 && v <= 16 ? undefined : `alphaMax must be in [1, 16], got ${v}`
    case 'seed':
      return isSeed(key, v)
    case 'checkpointEvery':
    case 'logEvery':
      return isCount(key, v, 1)
    case 'evalSamples':
      // FID needs more samples than the classifier's features have dimensions (128 by default)
      return v === 0
        ? undefined
        : isCount(key, v, 200, 10000) &&
            `${key} must be 0 (no scores) or an integer in [200, 10000], got ${JSON.stringify(v)}`
  }
}

/** Defaults, then a config file's settings, then the flags, each checked. */
export function resolveDriftConfig(...layers: object[]): DriftConfig {
  const c = resolveSettings(DRIFT_DEFAULTS, check, layers)
  if (c.steps > 0 && c.warmup >= c.steps)
    throw new RunError(`warmup (${c.warmup}) must be shorter than steps (${c.steps})`)
  if (c.attraction === 0 && c.repulsion === 0)
    throw new RunError('attraction and repulsion are both 0, so nothing drifts: make one of them positive')
  if (c.finishFrom > 0 && c.finishAttraction === 0 && c.repulsion === 0)
    throw new RunError(
      'finishAttraction and repulsion are both 0, so nothing drifts in the finishing phase: make one of them positive',
    )
  if (c.encoder !== '' && !readsEncoder(c.features))
    throw new RunError(
      `features '${c.features}' take the loss on the raw pixels and read no encoder: leave out the encoder (${c.encoder})`,
    )
  return c
}

/** The step's compile-time loss variant of the settings at training step `step` (the finishing phase's attraction from finishFrom on). */
export const driftVariant = (c: DriftConfig, step = 0): DriftVariant => ({
  attraction: c.finishFrom > 0 && step >= c.finishFrom ? c.finishAttraction : c.attraction,
  repulsion: c.repulsion,
  normalize: c.normalize,
  temperatures: c.temperatures,
  affinityFloor: c.affinityFloor,
  features: c.features,
})
