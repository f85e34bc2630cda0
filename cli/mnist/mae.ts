/** `drift train mae`: the encoder's masked-autoencoder training as a training target (cli/trainCommand.ts); the run is stdlib/mnist/maeTrain.ts. */
import path from 'node:path'
import { MAE_RESUMABLE, resolveMaeConfig, type MaeConfig } from '../../stdlib/mnist/maeConfig.js'
import { CHECKPOINT_FILE, findCheckpointFile } from '../../stdlib/train/runCheckpoint.js'
import { formatLoss } from '../../stdlib/train/progress.js'
import type { MaeRun } from '../../stdlib/mnist/maeTrain.js'
import { ADAMW_RUN_SETTINGS, settingFlags, type TrainTarget } from '../trainCommand.js'

export const MAE: TrainTarget<MaeConfig, MaeRun> = {
  name: 'mae',
  flags: settingFlags<MaeConfig>({
    number: [...ADAMW_RUN_SETTINGS, 'batch', 'emaDecay', 'width', 'stages', 'blocks', 'evalImages'],
  }),
  resumable: MAE_RESUMABLE,
  resolve: resolveMaeConfig,
  defaultOut: (c) => path.join('out', 'mae', `width${c.width}`),
  findRun: findCheckpointFile,
  load: async (dir) => (await import('../../stdlib/mnist/maeTrain.js')).loadMaeRun(dir),
  labels: () => ['masked loss'],
  logEvery: (c) => c.logEvery,
  steps: (c) => c.steps,
  train: async (o) => {
    const { trainMae } = await import('../../stdlib/mnist/maeTrain.js')
    const { run, evaluation: e } = await trainMae(o)
    return [
      `trained the masked autoencoder (width ${o.config.width}) for ${run.step} steps: final loss ${run.losses.length ? formatLoss(run.losses[run.losses.length - 1]) : '-'}`,
      `squared error per masked pixel on ${e.images} test images: ${formatLoss(e.maskedMse.ema)} with the EMA weights, ${formatLoss(e.maskedMse.raw)} with the trained ones`,
      `outputs in ${o.out}: ${CHECKPOINT_FILE}, config.json, metrics.json, loss.png, reconstructions.png`,
    ].join('\n')
  },
}
