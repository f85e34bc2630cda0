/**
 * `drift train toy2d`: the toy 2-D run as a training target (cli/trainCommand.ts does the flags,
 * the config file, the checks and the resume); the run itself is stdlib/toy2d/train.ts.
 */
import path from 'node:path'
import { RESUMABLE_KEYS, resolveConfig, type Toy2dConfig } from '../../stdlib/toy2d/config.js'
import { findCheckpoint, loadCheckpoint, type RunState } from '../../stdlib/toy2d/checkpoint.js'
import { summarize } from '../../stdlib/toy2d/summary.js'
import type { Resumable, TrainTarget } from '../trainCommand.js'

type Run = Resumable<Toy2dConfig> & { state: RunState }

export const TOY2D: TrainTarget<Toy2dConfig, Run> = {
  name: 'toy2d',
  flags: {
    data: { key: 'data', kind: 'string' },
    field: { key: 'field', kind: 'string' },
    tau: { key: 'tau', kind: 'number' },
    steps: { key: 'steps', kind: 'number' },
    batch: { key: 'batch', kind: 'number' },
    'data-batch': { key: 'dataBatch', kind: 'number' },
    lr: { key: 'lr', kind: 'number' },
    beta1: { key: 'beta1', kind: 'number' },
    beta2: { key: 'beta2', kind: 'number' },
    seed: { key: 'seed', kind: 'number' },
    'noise-dim': { key: 'noiseDim', kind: 'number' },
    hidden: { key: 'hidden', kind: 'list' },
    init: { key: 'init', kind: 'string' },
    'checkpoint-every': { key: 'checkpointEvery', kind: 'number' },
    'plot-at': { key: 'plotAt', kind: 'list' },
    'log-every': { key: 'logEvery', kind: 'number' },
    'eval-samples': { key: 'evalSamples', kind: 'number' },
  },
  resumable: RESUMABLE_KEYS,
  resolve: resolveConfig,
  defaultOut: (c) => path.join('out', 'toy2d', `${c.data}-${c.field}`),
  findRun: findCheckpoint,
  load: (dir) => {
    const ck = loadCheckpoint(dir)
    return { config: ck.config, backend: ck.backend, step: ck.state.step, state: ck.state }
  },
  labels: (c) => ['loss', `‖V‖²(τ=${c.tau})`],
  logEvery: (c) => c.logEvery,
  steps: (c) => c.steps,
  train: async ({ resume, ...o }) => {
    const { trainToy2d } = await import('../../stdlib/toy2d/train.js')
    const state = await trainToy2d({ ...o, resume: resume?.state })
    return summarize(o.config, state, o.out)
  },
}
