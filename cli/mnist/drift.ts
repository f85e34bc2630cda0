/** `drift train mnist`: the generator's training by multi-scale feature drifting as a training target (cli/trainCommand.ts); the run is stdlib/mnist/driftTrain.ts. */
import fs from 'node:fs'
import path from 'node:path'
import { DRIFT_QUICK, DRIFT_RESUMABLE, resolveDriftConfig, type DriftConfig } from '../../stdlib/mnist/driftConfig.js'
import { CHECKPOINT_FILE } from '../../stdlib/train/runCheckpoint.js'
import { formatLoss } from '../../stdlib/train/progress.js'
import type { DriftRun } from '../../stdlib/mnist/driftTrain.js'
import type { TrainTarget } from '../trainCommand.js'
import { sweepLines } from './sweepLines.js'

export const MNIST: TrainTarget<DriftConfig, DriftRun> = {
  name: 'mnist',
  flags: {
    encoder: { key: 'encoder', kind: 'string' },
    classifier: { key: 'classifier', kind: 'string' },
    classes: { key: 'classes', kind: 'number' },
    'n-neg': { key: 'nNeg', kind: 'number' },
    'n-pos': { key: 'nPos', kind: 'number' },
    'n-unc': { key: 'nUnc', kind: 'number' },
    attraction: { key: 'attraction', kind: 'number' },
    repulsion: { key: 'repulsion', kind: 'number' },
    'finish-from': { key: 'finishFrom', kind: 'number' },
    'finish-attraction': { key: 'finishAttraction', kind: 'number' },
    normalize: { key: 'normalize', kind: 'string' },
    temperatures: { key: 'temperatures', kind: 'list' },
    'affinity-floor': { key: 'affinityFloor', kind: 'number' },
    features: { key: 'features', kind: 'string' },
    generator: { key: 'generator', kind: 'string' },
    width: { key: 'width', kind: 'number' },
    depth: { key: 'depth', kind: 'number' },
    patch: { key: 'patch', kind: 'number' },
    'mlp-ratio': { key: 'mlpRatio', kind: 'number' },
    steps: { key: 'steps', kind: 'number' },
    lr: { key: 'lr', kind: 'number' },
    warmup: { key: 'warmup', kind: 'number' },
    beta1: { key: 'beta1', kind: 'number' },
    beta2: { key: 'beta2', kind: 'number' },
    'weight-decay': { key: 'weightDecay', kind: 'number' },
    clip: { key: 'clip', kind: 'number' },
    'ema-decay': { key: 'emaDecay', kind: 'number' },
    'alpha-scale': { key: 'alphaScale', kind: 'number' },
    'alpha-power': { key: 'alphaPower', kind: 'number' },
    'alpha-max': { key: 'alphaMax', kind: 'number' },
    'no-cfg': { key: 'noCfg', kind: 'number' },
    seed: { key: 'seed', kind: 'number' },
    'checkpoint-every': { key: 'checkpointEvery', kind: 'number' },
    'log-every': { key: 'logEvery', kind: 'number' },
    'eval-samples': { key: 'evalSamples', kind: 'number' },
  },
  resumable: DRIFT_RESUMABLE,
  quick: DRIFT_QUICK,
  resolve: resolveDriftConfig,
  defaultOut: (c) => path.join('out', 'mnist', `${c.generator}${c.width}x${c.depth}`),
  findRun: (dir) => [path.join(dir, CHECKPOINT_FILE)].find((f) => fs.existsSync(f)),
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
