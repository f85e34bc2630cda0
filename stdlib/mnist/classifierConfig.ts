/** The settings of the evaluation classifier's training (host code; docs/mnist.md). */
import { resolveSettings, isCount, isNonNegative, isPositive, isRate, isSeed } from '../train/settings.js'
import { RunError } from '../train/errors.js'

export interface ClassifierConfig {
  /** widths of the two convolutions and of the hidden layer (the metrics' features) */
  c1: number
  c2: number
  hidden: number
  steps: number
  /** images per step */
  batch: number
  /** AdamW's peak learning rate (linear warmup, then cosine decay to 0), moment decay rates and weight decay */
  lr: number
  warmup: number
  beta1: number
  beta2: number
  weightDecay: number
  seed: number
  checkpointEvery: number
  /** a progress line every this many steps when stdout is not a terminal */
  logEvery: number
  /** training images against the test images for the floors of FID, precision and recall (0: none) */
  floorImages: number
}

export const CLASSIFIER_DEFAULTS: ClassifierConfig = {
  c1: 16,
  c2: 32,
  hidden: 128,
  steps: 3000,
  batch: 64,
  lr: 2e-3,
  warmup: 100,
  beta1: 0.9,
  beta2: 0.999,
  weightDecay: 0.01,
  seed: 0,
  checkpointEvery: 500,
  logEvery: 100,
  floorImages: 10000,
}

/** The settings a resumed run may change: how often it writes and what it measures at the end, never what it computes. */
export const CLASSIFIER_RESUMABLE: (keyof ClassifierConfig)[] = ['checkpointEvery', 'logEvery', 'floorImages']

function check(key: keyof ClassifierConfig, v: unknown): string | undefined {
  switch (key) {
    case 'c1':
    case 'c2':
    case 'hidden':
      return isCount(key, v, 1, 1024)
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
      return isRate(key, v)
    case 'weightDecay':
      return isNonNegative(key, v)
    case 'seed':
      return isSeed(key, v)
    case 'checkpointEvery':
    case 'logEvery':
      return isCount(key, v, 1)
    case 'floorImages':
      return v === 0
        ? undefined
        : isCount(key, v, 10, 10000) &&
            `${key} must be 0 (no floors) or an integer in [10, 10000], got ${JSON.stringify(v)}`
  }
}

/** Defaults, then a config file's settings, then the flags, each checked; the warmup must end before the last step. */
export function resolveClassifierConfig(...layers: object[]): ClassifierConfig {
  const c = resolveSettings(CLASSIFIER_DEFAULTS, check, layers)
  if (c.steps > 0 && c.warmup >= c.steps)
    throw new RunError(`warmup (${c.warmup}) must be shorter than steps (${c.steps})`)
  return c
}
