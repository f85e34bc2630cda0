/**
 * A training run kept in a run checkpoint (runCheckpoint.ts) from where it stands to its last step
 * (host code): the resumed run or a fresh one, its settings in config.json, then trainLoop's steps,
 * each stopped on a non-finite loss or parameters, the checkpoint and the loss curve every
 * `checkpointEvery` steps and at the end.
 */
import path from 'node:path'
import { writeAtomic } from '../../compiler/runtime/atomicWrite.js'
import type { Json } from '../io/checkpoint.js'
import { lossPlot } from '../plot/lossPlot.js'
import { stopIfNonFinite, trainLoop } from './loop.js'
import type { Progress } from './progress.js'
import { CHECKPOINT_FILE, findCheckpointFile, saveRun, type SavedRun } from './runCheckpoint.js'

/** What a training command gives a run: its settings, its folder, the run it resumes, the backend, the progress display. */
export interface RunOptions<C, T> {
  config: C
  out: string
  resume?: SavedRun<C, T>
  backend: string
  progress: (start: number) => Progress
}

/** What one step did: its loss, the run's tensors after it, and the parameters to check for non-finite values. */
export interface Stepped<T> {
  loss: number
  tensors: T
  params: unknown
  /** where the first non-finite value came from (e.g. explainNonFinite of the step) */
  explain: () => Promise<string>
}

/** Writes the file `name` of the run's folder `out` atomically. */
export const writeOut = (out: string, name: string, data: string | Uint8Array): void =>
  writeAtomic(path.join(out, name), data)

/** The run `o` resumes, or a fresh one with the tensors of `init()`; either way with `o`'s settings and backend. */
export async function startRun<C, T>(o: RunOptions<C, T>, init: () => Promise<T>): Promise<SavedRun<C, T>> {
  const run = o.resume ?? {
    step: 0,
    config: o.config,
    backend: o.backend,
    losses: [],
    extra: null,
    tensors: await init(),
  }
  run.config = o.config
  run.backend = o.backend
  return run
}

export interface StepsOptions<C, T> {
  out: string
  /** the program's name in the checkpoint */
  program: string
  run: SavedRun<C, T>
  progress: (start: number) => Progress
  /** the loss curve's title */
  lossTitle: string
  /** the program's own state to save beside the tensors (sample queues, …) */
  extra?: () => Json
  step: (s: number) => Promise<Stepped<T>>
}

/** Writes config.json, then takes `run` to `run.config.steps`, saving as it goes. */
export async function runSteps<C extends { steps: number; checkpointEvery: number }, T extends object>(
  o: StepsOptions<C, T>,
): Promise<void> {
  const { out, run } = o
  const file = path.join(out, CHECKPOINT_FILE)
  const checkpointKept = () => findCheckpointFile(out) !== undefined
  writeOut(out, 'config.json', JSON.stringify(run.config, null, 2) + '\n')
  await trainLoop({
    from: run.step,
    to: run.config.steps,
    checkpointEvery: run.config.checkpointEvery,
    progress: o.progress(run.step),
    checkpoint: () => {
      if (o.extra) run.extra = o.extra()
      saveRun(out, o.program, run)
      writeOut(out, 'loss.png', lossPlot(run.losses, o.lossTitle))
      return file
    },
    step: async (s) => {
      const r = await o.step(s)
      await stopIfNonFinite({ step: s, loss: r.loss, params: r.params, checkpointKept, explain: r.explain })
      run.losses.push(r.loss)
      run.tensors = r.tensors
      run.step = s + 1
      return r.loss
    },
  })
}
