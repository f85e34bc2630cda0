/**
 * Checkpoints of a toy run (host code): one JSON file, `checkpoint.json` in the run's folder,
 * written atomically. It holds everything a resumed run needs to continue bit for bit: the
 * config (seed included: the batch of step s is a pure function of (seed, s), see batch.ts),
 * the step, the generator parameters and the Adam state as exact float32 bytes (base64), the
 * loss history and the evaluations so far, and a SHA-256 of all that to detect corruption.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Tensor } from '../../dsl/index.js'
import type { LinearParams } from '../nn/linear.js'
import type { AdamState } from '../optim/adam.js'
import { layerSizes, resolveConfig, type Toy2dConfig } from './config.js'
import type { Metrics } from './metrics.js'
import { writeAtomic } from '../../compiler/runtime/atomicWrite.js'
import { Toy2dError } from './errors.js'

export const CHECKPOINT_FILE = 'checkpoint.json'
const FORMAT = 'drift-toy2d-checkpoint'
const VERSION = 1

export interface Evaluation {
  step: number
  metrics: Metrics
}

/** The state of a run after `step` training steps. */
export interface RunState {
  step: number
  params: LinearParams[]
  adam: AdamState<LinearParams[]>
  /** losses[s]: the loss of step s (before its update) */
  losses: number[]
  evals: Evaluation[]
}

export interface Checkpoint {
  config: Toy2dConfig
  /** the backend that computed it: resuming elsewhere continues, but not bit for bit */
  backend: string
  state: RunState
}

interface EncodedTensor {
  shape: number[]
  f32: string
}

const encode = (t: Tensor): EncodedTensor => {
  if (!(t.data instanceof Float32Array))
    throw new Error(`internal: checkpoint tensors are float32, got ${t.data.constructor.name}`)
  return {
    shape: [...t.shape],
    f32: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64'),
  }
}

const encodeLayers = (ls: LinearParams[]) => ls.map((l) => ({ w: encode(l.w), b: encode(l.b) }))

export const checkpointPath = (dir: string): string => path.join(dir, CHECKPOINT_FILE)

export function saveCheckpoint(dir: string, c: Checkpoint): void {
  const { state } = c
  const payload = {
    step: state.step,
    config: c.config,
    backend: c.backend,
    rng: {
      seed: c.config.seed,
      scheme: 'the batch of step s: foldIn(foldIn(randomKey(seed), 1), s) (stdlib/toy2d/batch.ts)',
    },
    losses: state.losses,
    evals: state.evals,
    params: encodeLayers(state.params),
    adam: { step: encode(state.adam.step), m: encodeLayers(state.adam.m), v: encodeLayers(state.adam.v) },
  }
  const body = JSON.stringify(payload)
  const sha256 = crypto.createHash('sha256').update(body).digest('hex')
  writeAtomic(
    checkpointPath(dir),
    `{"format":"${FORMAT}","version":${VERSION},"sha256":"${sha256}","payload":${body}}\n`,
  )
}

class Corrupt extends Error {}

function decode(e: unknown, shape: number[], what: string): Tensor {
  const t = e as Partial<EncodedTensor> | undefined
  if (!t || typeof t.f32 !== 'string' || !Array.isArray(t.shape)) throw new Corrupt(`${what} is missing`)
  if (t.shape.join('x') !== shape.join('x'))
    throw new Corrupt(`${what} has shape [${t.shape}], the config needs [${shape}]`)
  const bytes = Buffer.from(t.f32, 'base64')
  const n = shape.reduce((a, b) => a * b, 1)
  if (bytes.length !== 4 * n) throw new Corrupt(`${what} has ${bytes.length} bytes, [${shape}] needs ${4 * n}`)
  const data = new Float32Array(n)
  new Uint8Array(data.buffer).set(bytes)
  return new Tensor(data, shape, 'f32')
}

function decodeLayers(e: unknown, sizes: number[], what: string): LinearParams[] {
  if (!Array.isArray(e) || e.length !== sizes.length - 1)
    throw new Corrupt(`${what} should have ${sizes.length - 1} layers`)
  return e.map((l: { w?: unknown; b?: unknown }, i) => ({
    w: decode(l?.w, [sizes[i], sizes[i + 1]], `${what}[${i}].w`) as LinearParams['w'],
    b: decode(l?.b, [sizes[i + 1]], `${what}[${i}].b`) as LinearParams['b'],
  }))
}

/** Read DIR/checkpoint.json; a missing, unreadable or corrupt checkpoint is a Toy2dError saying which and why. */
export function loadCheckpoint(dir: string): Checkpoint {
  const file = checkpointPath(dir)
  if (!fs.existsSync(file)) throw new Toy2dError(`no checkpoint in ${dir} (expected ${file})`)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (e) {
    throw new Toy2dError(`cannot read checkpoint ${file}: ${(e as Error).message}`)
  }
  try {
    let doc: { format?: unknown; version?: unknown; sha256?: unknown; payload?: Record<string, unknown> }
    try {
      doc = JSON.parse(text)
    } catch (e) {
      throw new Corrupt(`not JSON (${(e as Error).message})`)
    }
    if (doc?.format !== FORMAT) throw new Corrupt(`not a toy2d checkpoint (format ${JSON.stringify(doc?.format)})`)
    if (doc.version !== VERSION)
      throw new Corrupt(`version ${JSON.stringify(doc.version)}, this drift reads version ${VERSION}`)
    const p = doc.payload
    if (!p || typeof p !== 'object') throw new Corrupt('no payload')
    if (crypto.createHash('sha256').update(JSON.stringify(p)).digest('hex') !== doc.sha256)
      throw new Corrupt('its SHA-256 does not match its contents')
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
    const sizes = layerSizes(config)
    const adam = p.adam as { step?: unknown; m?: unknown; v?: unknown } | undefined
    const state: RunState = {
      step,
      losses,
      evals: p.evals as Evaluation[],
      params: decodeLayers(p.params, sizes, 'params'),
      adam: {
        step: decode(adam?.step, [], 'adam.step') as AdamState<LinearParams[]>['step'],
        m: decodeLayers(adam?.m, sizes, 'adam.m'),
        v: decodeLayers(adam?.v, sizes, 'adam.v'),
      },
    }
    return { config, backend: String(p.backend), state }
  } catch (e) {
    if (e instanceof Corrupt) throw new Toy2dError(`corrupt checkpoint ${file}: ${e.message}`)
    throw e
  }
}
