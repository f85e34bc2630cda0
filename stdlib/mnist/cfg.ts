/**
 * Classifier-free guidance through weighted negatives (paper §3.5, App. A.7; docs/paper.md#cfg),
 * host code. Each class group of a step gets its own CFG scale α, drawn from p(α) ∝ α^−k on
 * [αmin, αmax] by its inverse CDF (k = 0: uniform, k = 1: log-uniform), or α = 1 with probability `noCfg`; the
 * generator is conditioned on α, and the group's N_unc unconditional real samples join its negatives
 * with weight w = (α − 1)(N_neg − 1)/N_unc, so that at equilibrium q(·|c) = α p(·|c) − (α − 1) p(·|∅).
 */
import { CounterRng } from '../data/counterRng.js'

export interface AlphaPrior {
  min: number
  max: number
  /** The exponent k of p(α) ∝ α^−k. */
  power: number
  /** The fraction of class groups trained without guidance (α = 1). */
  noCfg: number
}

/** The official ablation's prior: [1, 4], α^−3, every group guided. */
export const ALPHA_PRIOR: AlphaPrior = { min: 1, max: 4, power: 3, noCfg: 0 }

/** The α of a uniform u ∈ [0, 1) under p(α) ∝ α^−k on [min, max] (inverse CDF). */
export function alphaOf(u: number, { min, max, power }: AlphaPrior): number {
  if (power === 1) return min * (max / min) ** u
  const e = 1 - power
  return (min ** e + u * (max ** e - min ** e)) ** (1 / e)
}

/** One α per class group, from the counter stream `rng` (two uniforms per group: α, then guided or not). */
export function drawAlphas(rng: CounterRng, groups: number, prior: AlphaPrior = ALPHA_PRIOR): Float32Array {
  const uniform = () => rng.u32() / 2 ** 32
  return Float32Array.from({ length: groups }, () => {
    const a = alphaOf(uniform(), prior)
    return uniform() < prior.noCfg ? 1 : a
  })
}

/** The weight of the unconditional negatives of a group guided by α: w = (α − 1)(N_neg − 1)/N_unc. */
export function cfgWeight(alpha: number, nNeg: number, nUnc: number): number {
  return nUnc === 0 ? 0 : ((alpha - 1) * (nNeg - 1)) / nUnc
}
