/**
 * The settings of a toy 2-D training run (host code). The defaults are the official toy notebook's
 * recipe (paper §5.1; docs/paper.md#toy-recipe): MLP 32 → 256 → 256 → 256 → 2 with SiLU, Adam lr 1e-3,
 * 2048 generated and 2048 data points per step, the paper's field at τ = 0.05, 2000 steps.
 */
import { DATASET_NAMES, INIT_NAMES, startPoint, type DatasetName, type InitName } from './registry.js'
import { FIELD_NAMES, fieldByName } from './fields.js'
import { isCount, isCountList, isPositive, isRate, isSeed, resolveSettings } from '../train/settings.js'

export interface Toy2dConfig {
  /** data set name (registry.ts) */
  data: DatasetName
  /** drifting field name (stdlib/fields/catalog.ts, one taking (x, pos, neg, tau) only) */
  field: string
  /** the field's fourth argument: τ, or σ / ℓ for the Gaussian, MMD and Matérn fields */
  tau: number
  steps: number
  /** generated points per step (also the negatives) */
  batch: number
  /** data points per step (the positives) */
  dataBatch: number
  lr: number
  /** Adam's moment decay rates */
  beta1: number
  beta2: number
  seed: number
  noiseDim: number
  hidden: number[]
  /** where the generator starts (registry.ts): zero = the zero-initialized output layer, a point mass at 0 */
  init: InitName
  checkpointEvery: number
  /** steps after which to plot samples and evaluate the metrics (0 = before training; the last step always) */
  plotAt: number[]
  /** a progress line every this many steps when stdout is not a terminal */
  logEvery: number
  /** generated and data points used by the metrics and the plots */
  evalSamples: number
}

export const DEFAULTS: Toy2dConfig = {
  data: 'swiss',
  field: 'paperField',
  tau: 0.05,
  steps: 2000,
  batch: 2048,
  dataBatch: 2048,
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  seed: 0,
  noiseDim: 32,
  hidden: [256, 256, 256],
  init: 'zero',
  checkpointEvery: 500,
  plotAt: [0, 100, 500, 2000],
  logEvery: 100,
  evalSamples: 2048,
}

export const CONFIG_KEYS = Object.keys(DEFAULTS) as (keyof Toy2dConfig)[]

/** The settings a resumed run may change: how long it runs and what it writes, never what it computes. */
export const RESUMABLE_KEYS: (keyof Toy2dConfig)[] = ['steps', 'checkpointEvery', 'plotAt', 'logEvery']

const fieldProblem = (v: unknown): string => {
  try {
    fieldByName(String(v))
    return `field ${JSON.stringify(v)} is not usable`
  } catch (e) {
    return (e as Error).message
  }
}

/** Check one setting's value; the message says what is expected. */
function check(key: keyof Toy2dConfig, v: unknown): string | undefined {
  switch (key) {
    case 'data':
      return (DATASET_NAMES as readonly unknown[]).includes(v)
        ? undefined
        : `unknown data set '${v}': choose one of ${DATASET_NAMES.join(', ')}`
    case 'field':
      return FIELD_NAMES.includes(v as string) ? undefined : fieldProblem(v)
    case 'init':
      return (INIT_NAMES as readonly unknown[]).includes(v)
        ? undefined
        : `unknown init '${v}': choose one of ${INIT_NAMES.join(', ')}`
    case 'tau':
    case 'lr':
      return isPositive(key, v)
    case 'beta1':
    case 'beta2':
      return isRate(key, v)
    case 'seed':
      return isSeed(key, v)
    case 'steps':
      return isCount(key, v, 0)
    case 'batch':
    case 'evalSamples':
      return isCount(key, v, 2)
    case 'dataBatch':
    case 'noiseDim':
    case 'checkpointEvery':
    case 'logEvery':
      return isCount(key, v, 1)
    case 'hidden':
      return isCountList(key, v, 1, true, '[256, 256, 256]')
    case 'plotAt':
      return isCountList(key, v, 0, false, '[0, 100, 500]')
  }
}

/** Defaults, then a config file's settings, then the flags: each checked; an unknown key is an error. */
export function resolveConfig(...layers: object[]): Toy2dConfig {
  const config = resolveSettings(DEFAULTS, check, layers)
  startPoint(config.data, config.init)
  return config
}

/** The steps to plot and evaluate at: the requested ones within the run, and always the last. */
export const plotSteps = (c: Toy2dConfig): number[] =>
  [...new Set([...c.plotAt.filter((s) => s <= c.steps), c.steps])].sort((a, b) => a - b)

/** The layer sizes of the generator: noise → hidden… → 2. */
export const layerSizes = (c: Toy2dConfig): number[] => [c.noiseDim, ...c.hidden, 2]
