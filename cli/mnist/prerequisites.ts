/**
 * What a `drift train mnist` run reads besides MNIST: the encoder (a `drift train mae` run; none for
 * the pixels-only feature set) and, to score its samples, the evaluation classifier (a `drift train
 * classifier` run). A folder the settings name must hold its run; when none is named, the default
 * folder's run is reused, or trained there first with that command's defaults.
 */
import path from 'node:path'
import type { DriftConfig } from '../../stdlib/mnist/driftConfig.js'
import { readsEncoder } from '../../stdlib/mnist/features.js'
import { RunError } from '../../stdlib/train/errors.js'
import { runTrainCommand, type Resumable, type TrainTarget } from '../trainCommand.js'
import { TRAIN_USAGE } from '../usage.js'

export const DEFAULT_ENCODER = path.join('out', 'mae', 'width8')
export const DEFAULT_CLASSIFIER = path.join('out', 'classifier')

/** The run of `target` in `dir`: reused when there, trained there otherwise (its progress and summary printed). */
async function trainedOrReused<C extends object, R extends Resumable<C>>(
  target: TrainTarget<C, R>,
  dir: string,
): Promise<string> {
  if (target.findRun(dir)) {
    process.stderr.write(`drift: using the ${target.name} run in ${dir}\n`)
    return dir
  }
  process.stderr.write(
    `drift: no ${target.name} run in ${dir} yet: training one first (drift train ${target.name} --out ${dir})\n`,
  )
  const code = await runTrainCommand(target, ['--out', dir], TRAIN_USAGE[target.name as keyof typeof TRAIN_USAGE])
  if (code !== 0) throw new RunError(`training the ${target.name} in ${dir} failed (see above)`)
  return dir
}

/**
 * The settings with the encoder's and the classifier's folders filled in, their runs trained first
 * where needed (no encoder for a feature set that reads none).
 */
export async function withPrerequisites(c: DriftConfig): Promise<DriftConfig> {
  const { MAE } = await import('./mae.js')
  const { CLASSIFIER } = await import('./classifier.js')
  const encoder = c.encoder === '' && readsEncoder(c.features) ? await trainedOrReused(MAE, DEFAULT_ENCODER) : c.encoder
  const scored = c.evalSamples > 0
  const classifier =
    c.classifier === '' && scored ? await trainedOrReused(CLASSIFIER, DEFAULT_CLASSIFIER) : c.classifier
  return { ...c, encoder, classifier }
}
