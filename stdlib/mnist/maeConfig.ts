/**
 * The settings of the encoder's masked-autoencoder training (host code): App. A.3's recipe scaled
 * down to MNIST on a 2-core CPU (docs/mnist.md).
 */
import { resolveSettings, isCount, isNonNegative, isPositive, isRate, isSeed } from '../train/settings.js'
import { IMAGE_SIDE } from '../data/mnist.js'

export interface MaeConfig {
  /** the encoder's base width C: stages of width C, 2C, 4C, 8C */
  width: number
  /** stages: maps of 32², 16², 8², 4² for 4 */
  stages: number
  /** basic blocks per stage */
  blocks: number
  steps: number
  /** images per step */
  batch: number
  /** AdamW's learning rate after the warmup, its moment decay rates and weight decay */
  lr: number
  warmup: number
  beta1: number
  beta2: number
  weightDecay: number
  /** the EMA's decay once warmed up */
  emaDecay: number
  seed: number
  checkpointEvery: number
  /** a progress line every this many steps when stdout is not a terminal */
  logEvery: number
  /** test images for the masked reconstruction error at the end, a multiple of EVAL_BATCH (the figure shows the first 8) */
  evalImages: number
}

export const MAE_DEFAULTS: MaeConfig = {
  width: 8,
  stages: 4,
  blocks: 1,
  steps: 1000,
  batch: 64,
  lr: 2e-3,
  warmup: 100,
  beta1: 0.9,
  beta2: 0.95,
  weightDecay: 0.05,
  emaDecay: 0.999,
  seed: 0,
  checkpointEvery: 100,
  logEvery: 50,
  evalImages: 1000,
}

/** The settings a resumed run may change: how long it runs and what it writes, never what it computes. */
export const MAE_RESUMABLE: (keyof MaeConfig)[] = ['steps', 'checkpointEvery', 'logEvery', 'evalImages']

/** Images per evaluation batch. */
export const EVAL_BATCH = 100

/** The most stages 32×32 images allow: the last map is 2×2 at 5 (each stage after the first halves it). */
export const MAX_STAGES = Math.log2(IMAGE_SIDE)

function check(key: keyof MaeConfig, v: unknown): string | undefined {
  switch (key) {
    case 'width':
      return isCount(key, v, 1, 256)
    case 'stages':
      return isCount(key, v, 1, MAX_STAGES)
    case 'blocks':
      return isCount(key, v, 1, 8)
    case 'steps':
      return isCount(key, v, 0)
    case 'batch':
      return isCount(key, v, 1, 4096)
    case 'warmup':
      // the learning rate is step/warmup of its peak: at least one step of warmup
      return isCount(key, v, 1)
    case 'lr':
      return isPositive(key, v)
    case 'beta1':
    case 'beta2':
    case 'emaDecay':
      return isRate(key, v)
    case 'weightDecay':
      return isNonNegative(key, v)
    case 'seed':
      return isSeed(key, v)
    case 'checkpointEvery':
    case 'logEvery':
      return isCount(key, v, 1)
    case 'evalImages':
      return (
        isCount(key, v, EVAL_BATCH, 10000) ??
        ((v as number) % EVAL_BATCH === 0 ? undefined : `${key} must be a multiple of ${EVAL_BATCH}, got ${v}`)
      )
  }
}

/** Defaults, then a config file's settings, then the flags, each checked. */
export const resolveMaeConfig = (...layers: object[]): MaeConfig => resolveSettings(MAE_DEFAULTS, check, layers)
