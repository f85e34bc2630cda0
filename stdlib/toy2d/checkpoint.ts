/**
 * Checkpoints of a toy run (host code), in the checkpoint store (stdlib/io/checkpoint.ts):
 * `checkpoint.safetensors` in the run's folder, written atomically. It holds everything a resumed
 * run needs to continue bit for bit: the generator parameters and the Adam state as tensors
 * (`params.0.w`, `adam.m.0.w`, `adam.step`, …), and as metadata the config (seed included: the
 * batch of step s is a pure function of (seed, s), see batch.ts), the step, the backend, the loss
 * history and the evaluations so far. A run that has only an earlier `checkpoint.json` still
 * loads (checkpointJson.ts); its next checkpoint is a checkpoint.safetensors, which wins from then on.
 */
import fs from 'node:fs'
import path from 'node:path'
import { Tensor } from '../../dsl/index.js'
import type { LinearParams } from '../nn/linear.js'
import type { AdamState } from '../optim/adam.js'
import { layerSizes, type Toy2dConfig } from './config.js'
import type { Metrics } from './metrics.js'
import { RunError } from '../train/errors.js'
import { DataError } from '../io/errors.js'
import * as store from '../io/checkpoint.js'
import { JSON_CHECKPOINT_FILE, MAX_TOY_CHECKPOINT_BYTES, readJsonCheckpoint } from './checkpointJson.js'
import { Corrupt, float32, readLayers, readRunRecord } from './runMeta.js'

export const CHECKPOINT_FILE = store.CHECKPOINT_FILE
/** what the checkpoint's meta says it is */
const PROGRAM = 'toy2d'

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

export const checkpointPath = (dir: string): string => path.join(dir, CHECKPOINT_FILE)

/** The checkpoint file in DIR that a load reads (checkpoint.safetensors, else checkpoint.json), or undefined. */
export function findCheckpoint(dir: string): string | undefined {
  return [CHECKPOINT_FILE, JSON_CHECKPOINT_FILE].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f))
}

export function saveCheckpoint(dir: string, c: Checkpoint): void {
  const { state } = c
  store.saveCheckpoint(dir, {
    tensors: { params: state.params, adam: state.adam },
    meta: {
      program: PROGRAM,
      step: state.step,
      config: { ...c.config },
      backend: c.backend,
      rng: {
        seed: c.config.seed,
        scheme: 'the batch of step s: foldIn(foldIn(randomKey(seed), 1), s) (stdlib/toy2d/batch.ts)',
      },
      losses: state.losses,
      evals: state.evals as unknown as store.Json,
    },
  })
}

/** The run in a checkpoint.safetensors. */
function fromStore(dir: string): Checkpoint {
  const { tensors, meta } = store.loadCheckpoint(dir, MAX_TOY_CHECKPOINT_BYTES)
  if (meta.program !== PROGRAM) throw new Corrupt(`not a toy2d checkpoint (program ${JSON.stringify(meta.program)})`)
  const run = readRunRecord(meta)
  const sizes = layerSizes(run.config)
  const adam = tensors.adam as Partial<Record<'step' | 'm' | 'v', unknown>> | undefined
  return {
    config: run.config,
    backend: run.backend,
    state: {
      step: run.step,
      losses: run.losses,
      evals: run.evals,
      params: readLayers(tensors.params, sizes, 'params'),
      adam: {
        step: float32(adam?.step, [], 'adam.step') as Tensor<[]>,
        m: readLayers(adam?.m, sizes, 'adam.m'),
        v: readLayers(adam?.v, sizes, 'adam.v'),
      },
    },
  }
}

/** Read the checkpoint in DIR; a missing, unreadable or corrupt one is a RunError saying which and why. */
export function loadCheckpoint(dir: string): Checkpoint {
  const file = findCheckpoint(dir)
  if (!file) throw new RunError(`no checkpoint in ${dir} (expected ${checkpointPath(dir)})`)
  try {
    return file.endsWith(JSON_CHECKPOINT_FILE) ? readJsonCheckpoint(file) : fromStore(dir)
  } catch (e) {
    if (e instanceof Corrupt) throw new RunError(`corrupt checkpoint ${file}: ${e.message}`)
    if (e instanceof DataError) throw new RunError(e.message)
    throw e
  }
}
