/**
 * The checks a toy checkpoint's run record passes on load, whichever file holds it: the config
 * (resolved as a fresh one is), the step, one loss per step, the evaluations, and layer tensors of
 * the shapes the config implies. A failure is a Corrupt whose message says what is wrong.
 */
import { Tensor } from '../../dsl/index.js'
import type { LinearParams } from '../nn/linear.js'
import { resolveConfig, type Toy2dConfig } from './config.js'
import type { Evaluation } from './checkpoint.js'

/** A checkpoint that is readable but not a valid toy run: the loader names the file. */
export class Corrupt extends Error {}

export interface RunRecord {
  config: Toy2dConfig
  backend: string
  step: number
  losses: number[]
  evals: Evaluation[]
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function checkEvaluation(e: unknown, step: number, i: number): Evaluation {
  const m = isObject(e) ? e.metrics : undefined
  if (!isObject(e) || !Number.isInteger(e.step) || (e.step as number) < 0 || (e.step as number) > step || !isObject(m))
    throw new Corrupt(`evaluation ${i} should be { step ≤ ${step}, metrics }`)
  if (!['mmd2', 'energy', 'samples'].every((k) => typeof m[k] === 'number'))
    throw new Corrupt(`evaluation ${i} should hold the numbers mmd2, energy and samples`)
  return e as unknown as Evaluation
}

/** The run record of a checkpoint's metadata `p`. */
export function readRunRecord(p: Record<string, unknown>): RunRecord {
  let config: Toy2dConfig
  try {
    config = resolveConfig(p.config as Record<string, unknown>)
  } catch (e) {
    throw new Corrupt(`bad config: ${(e as Error).message}`)
  }
  const step = p.step
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0)
    throw new Corrupt(`bad step ${JSON.stringify(step)}`)
  const losses = p.losses
  if (!Array.isArray(losses) || losses.length !== step || !losses.every((l) => typeof l === 'number'))
    throw new Corrupt(`the loss history should list ${step} losses`)
  if (!Array.isArray(p.evals)) throw new Corrupt('no evaluations list')
  const evals = p.evals.map((e, i) => checkEvaluation(e, step, i))
  if (typeof p.backend !== 'string') throw new Corrupt('no backend name')
  return { config, backend: p.backend, step, losses, evals }
}

/** `t` as a float32 tensor of `shape`. */
export function float32(t: unknown, shape: number[], what: string): Tensor {
  if (!(t instanceof Tensor)) throw new Corrupt(`${what} is missing`)
  if (t.shape.join('x') !== shape.join('x'))
    throw new Corrupt(`${what} has shape [${t.shape}], the config needs [${shape}]`)
  if (t.dtype !== 'f32' || !(t.data instanceof Float32Array)) throw new Corrupt(`${what} is not float32`)
  return t
}

/** The generator layers (or Adam moments of them) `ls` for layer sizes `sizes`. */
export function readLayers(ls: unknown, sizes: number[], what: string, read = float32): LinearParams[] {
  if (!Array.isArray(ls) || ls.length !== sizes.length - 1)
    throw new Corrupt(`${what} should have ${sizes.length - 1} layers`)
  return ls.map((l: { w?: unknown; b?: unknown }, i) => ({
    w: read(l?.w, [sizes[i], sizes[i + 1]], `${what}[${i}].w`) as LinearParams['w'],
    b: read(l?.b, [sizes[i + 1]], `${what}[${i}].b`) as LinearParams['b'],
  }))
}
