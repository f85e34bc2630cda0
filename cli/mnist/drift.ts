/** `drift train mnist`: the generator's training by multi-scale feature drifting as a training target (cli/trainCommand.ts); the run is stdlib/mnist/driftTrain.ts. */
import path from 'node:path'
import { DRIFT_QUICK, DRIFT_RESUMABLE, resolveDriftConfig, type DriftConfig } from '../../stdlib/mnist/driftConfig.js'
import { CHECKPOINT_FILE, findCheckpointFile } from '../../stdlib/train/runCheckpoint.js'
import { formatLoss } from '../../stdlib/train/progress.js'
import type { DriftRun } from '../../stdlib/mnist/driftTrain.js'
import { ADAMW_RUN_SETTINGS, settingFlags, type TrainTarget } from '../trainCommand.js'
import { sweepLines } from './sweepLines.js'

export const MNIST: TrainTarget<DriftConfig, DriftRun> = {
  name: 'mnist',
  flags: settingFlags<DriftConfig>({
    string: ['encoder', 'classifier', 'normalize', 'features', 'generator'],
    number: [
      ...ADAMW_RUN_SETTINGS,
      'classes',
      'nNeg',
      'nPos',
      'nUnc',
      'width',
      'depth',
      'patch',
      'mlpRatio',
      'attraction',
      'repulsion',
      'finishFrom',
      'finishAttraction',
      'affinityFloor',
      'clip',
      'emaDecay',
      'alphaScale',
      'alphaPower',
      'alphaMax',
      'noCfg',
      'evalSamples',
    ],
    list: ['temperatures'],
  }),
  resumable: DRIFT_RESUMABLE,
  quick: DRIFT_QUICK,
  resolve: resolveDriftConfig,
  defaultOut: (c) => path.join('out', 'mnist', `${c.generator}${c.width}x${c.depth}`),
  findRun: findCheckpointFile,
  load: async (dir) => (await import('../../stdlib/mnist/driftTrain.js')).loadDriftRun(dir),
  labels: () => ['drift loss'],
  logEvery: (c) => c.logEvery,
  steps: (c) => c.steps,
  train: async (o) => {
    const { trainDrift } = await import('../../stdlib/mnist/driftTrain.js')
    const { withPrerequisites } = await import('./prerequisites.js')
    const { run, sweep } = await trainDrift({ ...o, config: await withPrerequisites(o.config) })
    const last = run.losses.at(-1)
    const lines = [
      `trained the generator for ${run.step} steps: final drift loss ${last === undefined ? '-' : formatLoss(last)}`,
    ]
    if (sweep) lines.push(...sweepLines(sweep))
    else lines.push('--eval-samples 0: the samples are not scored')
    lines.push(
      `outputs in ${o.out}: ${CHECKPOINT_FILE}, config.json, loss.png, samples.png${sweep ? ', metrics.json, cfg-sweep.png' : ''}`,
    )
    return lines.join('\n')
  },
}
