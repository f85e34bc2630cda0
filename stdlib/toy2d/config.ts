/**
 * The settings of a toy 2-D training run (host code). The defaults are the official toy notebook's
 * recipe (paper §5.1; docs/paper.md#toy-recipe): MLP 32 → 256 → 256 → 256 → 2 with SiLU, Adam lr 1e-3,
 * 2048 generated and 2048 data points per step, the paper's field at τ = 0.05, 2000 steps.
 */
import { DATASET_NAMES, INIT_NAMES, startPoint, type DatasetName, type InitName } from './registry.js'
import { FIELD_NAMES, fieldByName } from './fields.js'
import { isCount, isCountList, isPositive, isRate, isSeed, resolveSettings } from '../train/settings.js'
import { RunError } from '../train/errors.js'
import { isFileReference, shaProblem } from '../train/functionSetting.js'

export interface Toy2dConfig {
  /** data set name (registry.ts) */
  data: DatasetName
  /**
   * the drifting field: a name from stdlib/fields/catalog.ts (one taking (x, pos, neg, tau) only), or
   * the user's own as `path/to/file.ts:exportName` (stdlib/train/functionSetting.ts)
   */
  field: string
  /** for a field of the user's own: its file's SHA-256, recorded when the run starts and checked when it resumes */
  fieldSha256?: string
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
  fieldSha256: undefined,
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
      return FIELD_NAMES.includes(v as string) || (typeof v === 'string' && isFileReference(v))
        ? undefined
        : fieldProblem(v)
    case 'fieldSha256':
      return undefined
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

/** The most points a batch, a data batch, an evaluation or a sample may hold: the field and the metrics compare every pair. */
export const MAX_POINTS = 2 ** 20
/** The most elements any one tensor of a run may hold: 2^28, 1 GiB of float32 (the wasm backend's memory holds 2 GiB in all). */
export const MAX_ELEMENTS = 2 ** 28

/** The problem with the sizes of a run (each setting already valid on its own), or undefined. */
function sizeProblem(c: Toy2dConfig): string | undefined {
  for (const key of ['batch', 'dataBatch', 'evalSamples'] as const)
    if (c[key] > MAX_POINTS) return `${key} ${c[key]} is over the limit of ${MAX_POINTS} (2^20) points`
  const sizes = layerSizes(c)
  const widest = Math.max(...sizes)
  const big = (what: string, n: number) =>
    `${what} would hold ${n.toExponential(2)} elements, over the limit of ${MAX_ELEMENTS} (2^28, 1 GiB of float32)`
  for (let i = 0; i + 1 < sizes.length; i++)
    if (sizes[i] * sizes[i + 1] > MAX_ELEMENTS)
      return `${big(`layer ${i + 1}'s weights (${sizes[i]} × ${sizes[i + 1]})`, sizes[i] * sizes[i + 1])}: use narrower layers`
  const points = Math.max(c.batch, c.evalSamples)
  if (points * widest > MAX_ELEMENTS)
    return `${big(`the activations of ${points} points in a layer of width ${widest}`, points * widest)}: use a smaller batch or narrower layers`
  return undefined
}

/** The problem with drawing `n` points from any generator, or undefined. */
export const sampleCountProblem = (n: number): string | undefined =>
  n > MAX_POINTS
    ? `--n ${n} is over the limit of ${MAX_POINTS} (2^20) points per call: draw several files with different --seed`
    : undefined

/** The problem with drawing `n` points from a generator of config `c`, or undefined. */
export function sampleSizeProblem(n: number, c: Toy2dConfig): string | undefined {
  const count = sampleCountProblem(n)
  if (count) return count
  const widest = Math.max(...layerSizes(c))
  if (n * widest > MAX_ELEMENTS)
    return `--n ${n} points in a layer of width ${widest} would hold ${(n * widest).toExponential(2)} elements, over the limit of ${MAX_ELEMENTS} (2^28): draw fewer points per call`
  return undefined
}

/** Defaults, then a config file's settings, then the flags: each checked; an unknown key is an error. */
export function resolveConfig(...layers: object[]): Toy2dConfig {
  const config = resolveSettings(DEFAULTS, check, layers)
  // a field set anew drops the SHA-256 recorded for an earlier one
  const setsField = layers.filter((l) => (l as Partial<Toy2dConfig>).field !== undefined)
  const last = setsField[setsField.length - 1] as Partial<Toy2dConfig> | undefined
  if (last && last.fieldSha256 === undefined) config.fieldSha256 = undefined
  const problem = shaProblem('field', 'fieldSha256', config.field, config.fieldSha256) ?? sizeProblem(config)
  if (problem) throw new RunError(problem)
  startPoint(config.data, config.init)
  return config
}

/** The steps to plot and evaluate at: the requested ones within the run, and always the last. */
export const plotSteps = (c: Toy2dConfig): number[] =>
  [...new Set([...c.plotAt.filter((s) => s <= c.steps), c.steps])].sort((a, b) => a - b)

/** The layer sizes of the generator: noise → hidden… → 2. */
export const layerSizes = (c: Toy2dConfig): number[] => [c.noiseDim, ...c.hidden, 2]
