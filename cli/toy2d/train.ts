/**
 * `drift train toy2d`: the toy 2-D run as a training target (cli/trainCommand.ts does the flags,
 * the config file, the checks and the resume); the run itself is stdlib/toy2d/train.ts.
 */
import path from 'node:path'
import { RESUMABLE_KEYS, resolveConfig, type Toy2dConfig } from '../../stdlib/toy2d/config.js'
import { findCheckpoint, loadCheckpoint, type RunState } from '../../stdlib/toy2d/checkpoint.js'
import { summarize } from '../../stdlib/toy2d/summary.js'
import { checkField, fieldOf } from '../../stdlib/toy2d/fields.js'
import { settingLabel } from '../../stdlib/train/functionSetting.js'
import { settingFlags, type Resumable, type TrainTarget } from '../trainCommand.js'

type Run = Resumable<Toy2dConfig> & { state: RunState }

export const TOY2D: TrainTarget<Toy2dConfig, Run> = {
  name: 'toy2d',
  flags: settingFlags<Toy2dConfig>({
    string: ['data', 'field', 'init'],
    number: [
      'tau',
      'steps',
      'batch',
      'dataBatch',
      'lr',
      'beta1',
      'beta2',
      'seed',
      'noiseDim',
      'checkpointEvery',
      'logEvery',
      'evalSamples',
    ],
    list: ['hidden', 'plotAt'],
  }),
  resumable: RESUMABLE_KEYS,
  functionSettings: ['field'],
  resolve: resolveConfig,
  defaultOut: (c) => path.join('out', 'toy2d', `${c.data}-${settingLabel(c.field)}`),
  // a field of the user's own: its file unchanged since the run started, and compiled once
  prepare: async (c) => {
    const field = await fieldOf(c)
    if (!field.sha256) return c
    await checkField(field.fn, c.field)
    return { ...c, fieldSha256: field.sha256 }
  },
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
