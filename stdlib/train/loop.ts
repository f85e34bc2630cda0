/**
 * The loop every training program runs (host code): the steps from where the run stands to the
 * last, the progress after each, whatever the program does after a step (plots, evaluations), a
 * checkpoint every `checkpointEvery` steps and at the end. Each step's randomness must be a pure
 * function of (seed, step) for a resumed run to end bit for bit as an uninterrupted one.
 */
import { Tensor } from '../../dsl/index.js'
import { NonFiniteLossError } from './errors.js'
import type { Progress } from './progress.js'

export interface Loop {
  /** steps already taken (0 for a fresh run) */
  from: number
  /** the step count to stop at */
  to: number
  checkpointEvery: number
  /** Take step s (0-based) and keep its new state; its loss. */
  step(s: number): Promise<number>
  /** Save the state as it is now (after `done` steps); the note printed says where. */
  checkpoint(done: number): string
  /** After `done` steps: plots, evaluations. */
  after?(done: number): Promise<void>
  progress: Progress
}

/** Run the loop; a checkpoint is written at the end even when no step was left to take. */
export async function trainLoop(l: Loop): Promise<void> {
  let savedAt = -1
  try {
    for (let s = l.from; s < l.to; s++) {
      const loss = await l.step(s)
      l.progress.step(s + 1, loss)
      await l.after?.(s + 1)
      if ((s + 1) % l.checkpointEvery === 0 || s + 1 === l.to) {
        const where = l.checkpoint(s + 1)
        savedAt = s + 1
        l.progress.note(`checkpoint: step ${s + 1} → ${where}`)
      }
    }
  } finally {
    l.progress.stop()
  }
  if (savedAt !== l.to) l.checkpoint(l.to)
}

/** Every element of every tensor finite. */
export const allFinite = (tensors: { data: ArrayLike<number> }[]): boolean =>
  tensors.every((t) => {
    for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) return false
    return true
  })

/** The tensors of a tree of parameters (objects and arrays of tensors), in order. */
const tensorsIn = (tree: unknown): Tensor[] =>
  tree instanceof Tensor
    ? [tree]
    : typeof tree === 'object' && tree !== null
      ? Object.values(tree).flatMap(tensorsIn)
      : []

/**
 * Stop the run when step `step` gave a non-finite loss or non-finite parameters: a
 * NonFiniteLossError saying which, where the first NaN came from (`explain`, e.g.
 * explainNonFinite of the step), and whether a checkpoint was kept.
 */
export async function stopIfNonFinite(o: {
  step: number
  loss: number
  /** the updated parameters: a tree of tensors */
  params: unknown
  /** whether a checkpoint was kept, asked only when the step failed */
  checkpointKept: () => boolean
  explain: () => Promise<string>
}): Promise<void> {
  if (Number.isFinite(o.loss) && allFinite(tensorsIn(o.params))) return
  const what = Number.isFinite(o.loss)
    ? `the update of step ${o.step} made non-finite parameters`
    : `the loss of step ${o.step} is ${o.loss}`
  const kept = o.checkpointKept() ? 'the last checkpoint is kept' : 'no checkpoint was written'
  throw new NonFiniteLossError(`${what}: ${await o.explain()}; stopped (${kept})`)
}
