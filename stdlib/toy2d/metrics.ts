/**
 * Distribution metrics of generated points against data points (host code calling the DSL metrics
 * of stdlib/metrics): squared MMD with a multi-bandwidth Gaussian kernel, energy distance, and for
 * the data sets with modes, mode coverage and the mass per mode against the mixture weights.
 *
 * They run on gpu.js's `cpu` backend whatever the training runs on: it accumulates in float64
 * JavaScript and matched the float64 interpreter to ~1e-9 on MMD² and energy distance at n = 1024.
 * Measured here: the float32 sums of `wasm` put the energy distance at n = 2048 4.5% off its float64
 * value (webasm: 16% off a near-zero one at n = 1024), and webgpu on llvmpipe dropped one of the
 * full-matrix means of energyDistance at n ≥ 256 (a backend bug, reported). The numbers are then the
 * same whichever backend trained.
 */
import { currentBackend, setBackend, tensor, type Mat, type Vec } from '../../dsl/index.js'
import { mmd2Unbiased } from '../metrics/mmd.js'
import { energyDistance } from '../metrics/energy.js'
import { modeCoverage, modeMassError } from '../metrics/modeCoverage.js'
import type { Mixture } from './datasets.js'

/** Gaussian kernel bandwidths of the MMD: the scales of the toy data, from its noise (0.03–0.1) to its layout (~1). */
export const MMD_SIGMAS = [0.05, 0.1, 0.2, 0.5]

/** A sample hits a mode within this many standard deviations of its centre. */
export const MODE_RADIUS_STDS = 3
/** A mode counts as covered when it holds at least this fraction of the smallest mode's expected share of the samples. */
export const MODE_MIN_SHARE = 0.25

export interface ModeMetrics {
  /** fraction of the modes covered */
  covered: number
  /** per mode: 1 if covered */
  hit: number[]
  /** per mode: the fraction of samples nearest to its centre */
  mass: number[]
  /** the mixture weights, the true split */
  weights: number[]
  /** max_k |mass_k − w_k| and max_k |mass_k − w_k| / w_k */
  massError: { absolute: number; relative: number }
  radius: number
  minCount: number
}

export interface Metrics {
  /** unbiased squared MMD, kernel Σ_σ exp(−‖a − b‖²/2σ²) over MMD_SIGMAS */
  mmd2: number
  energy: number
  samples: number
  modes?: ModeMetrics
}

const list = (v: Vec): number[] => Array.from(v.data)

export const METRICS_BACKEND = 'cpu'

/** Run `f` with compiled functions on `backend`, then go back to the one before. */
async function onBackend<T>(backend: string, f: () => Promise<T>): Promise<T> {
  const before = currentBackend()
  setBackend(backend)
  try {
    return await f()
  } finally {
    setBackend(before)
  }
}

export const evaluate = (samples: Mat, data: Mat, mixture?: Mixture): Promise<Metrics> =>
  onBackend(METRICS_BACKEND, () => metrics(samples, data, mixture))

async function metrics(samples: Mat, data: Mat, mixture?: Mixture): Promise<Metrics> {
  const mmd2 = (await mmd2Unbiased.run(samples, data, tensor(MMD_SIGMAS) as Vec)).item()
  const energy = (await energyDistance.run(samples, data)).item()
  const out: Metrics = { mmd2, energy, samples: samples.shape[0] }
  if (!mixture) return out
  const radius = MODE_RADIUS_STDS * mixture.std
  const minCount = Math.ceil(MODE_MIN_SHARE * Math.min(...mixture.weights) * samples.shape[0])
  const cov = await modeCoverage.run(samples, tensor(mixture.centres) as Mat, radius, minCount)
  const err = await modeMassError.run(cov.mass, tensor(mixture.weights) as Vec)
  out.modes = {
    covered: cov.covered.item(),
    hit: list(cov.hit),
    mass: list(cov.mass),
    weights: mixture.weights,
    massError: { absolute: err.absolute.item(), relative: err.relative.item() },
    radius,
    minCount,
  }
  return out
}
