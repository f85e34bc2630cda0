/** `drift train classifier`: the evaluation classifier's training as a training target (cli/trainCommand.ts); the run is stdlib/mnist/classifierTrain.ts. */
import path from 'node:path'
import {
  CLASSIFIER_RESUMABLE,
  resolveClassifierConfig,
  type ClassifierConfig,
} from '../../stdlib/mnist/classifierConfig.js'
import { CHECKPOINT_FILE, findCheckpointFile } from '../../stdlib/train/runCheckpoint.js'
import { formatLoss } from '../../stdlib/train/progress.js'
import type { ClassifierRun } from '../../stdlib/mnist/classifierTrain.js'
import { ADAMW_RUN_SETTINGS, settingFlags, type TrainTarget } from '../trainCommand.js'

const pct = (x: number) => `${(100 * x).toFixed(2)}%`

export const CLASSIFIER: TrainTarget<ClassifierConfig, ClassifierRun> = {
  name: 'classifier',
  flags: settingFlags<ClassifierConfig>({
    number: [...ADAMW_RUN_SETTINGS, 'batch', 'c1', 'c2', 'hidden', 'floorImages'],
  }),
  resumable: CLASSIFIER_RESUMABLE,
  resolve: resolveClassifierConfig,
  defaultOut: () => path.join('out', 'classifier', 'lenet'),
  findRun: findCheckpointFile,
  load: async (dir) => (await import('../../stdlib/mnist/classifierTrain.js')).loadClassifierRun(dir),
  labels: () => ['cross-entropy'],
  logEvery: (c) => c.logEvery,
  steps: (c) => c.steps,
  train: async (o) => {
    const { trainClassifier } = await import('../../stdlib/mnist/classifierTrain.js')
    const { run, evaluation: e } = await trainClassifier(o)
    const f = e.floors
    return [
      `trained the classifier for ${run.step} steps: final loss ${run.losses.length ? formatLoss(run.losses[run.losses.length - 1]) : '-'}, test accuracy ${pct(e.test.accuracy)} (${e.test.correct} of ${e.test.images})`,
      f
        ? `floors, ${f.images} training against ${f.images} test images in its features: FID ${f.fid.toFixed(3)}, precision ${pct(f.precision)}, recall ${pct(f.recall)}`
        : '',
      `outputs in ${o.out}: ${CHECKPOINT_FILE}, config.json, metrics.json, loss.png`,
    ]
      .filter(Boolean)
      .join('\n')
  },
}
