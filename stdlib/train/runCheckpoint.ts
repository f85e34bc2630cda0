/**
 * The checkpoint of a training run (host code), in the checkpoint store (stdlib/io/checkpoint.ts):
 * the run's tensors (parameters, optimizer state, EMA) and, as metadata, the program's name, the
 * step, the settings, the backend and the loss of every step so far, plus what the program adds.
 * A load checks all of it against what the settings imply: the tensors must have the structure,
 * shapes and dtypes of a fresh run's (`template`), one loss per step. A problem is a RunError
 * naming the file.
 */
import { Tensor } from '../../dsl/index.js'
import { DataError } from '../io/errors.js'
import * as store from '../io/checkpoint.js'
import { RunError } from './errors.js'

export const CHECKPOINT_FILE = store.CHECKPOINT_FILE
export const findCheckpointFile = store.findCheckpointFile

/** The largest run checkpoint read (1 GiB; the defaults' runs write a few MiB to some tens): a bigger file is refused unread. */
export const MAX_RUN_CHECKPOINT_BYTES = 2 ** 30

export interface RunRecord<C> {
  step: number
  config: C
  /** the backend that computed it: resuming elsewhere continues, but not bit for bit */
  backend: string
  /** losses[s]: the loss of step s */
  losses: number[]
  /** what else the program keeps (evaluations, …) */
  extra: store.Json
}

export interface SavedRun<C, T> extends RunRecord<C> {
  tensors: T
}

export function saveRun<C extends object, T extends object>(dir: string, program: string, run: SavedRun<C, T>): void {
  store.saveCheckpoint(dir, {
    tensors: run.tensors,
    meta: {
      program,
      step: run.step,
      config: { ...run.config } as unknown as store.Json,
      backend: run.backend,
      losses: run.losses,
      extra: run.extra,
    },
  })
}

class Corrupt extends Error {}

/** Why `tree` does not have the structure, shapes and dtypes of `template`, or undefined. */
export function treeMismatch(tree: unknown, template: unknown, at: string): string | undefined {
  if (template instanceof Tensor) {
    if (!(tree instanceof Tensor)) return `${at} is missing`
    if (tree.shape.join('x') !== template.shape.join('x'))
      return `${at} has shape [${tree.shape}], the settings need [${template.shape}]`
    if (tree.dtype !== template.dtype || tree.data.constructor !== template.data.constructor)
      return `${at} is ${tree.dtype} in a ${tree.data.constructor.name}, the settings need ${template.dtype} in a ${template.data.constructor.name}`
    return undefined
  }
  if (typeof tree !== 'object' || tree === null || tree instanceof Tensor) return `${at} is missing`
  const keys = Object.keys(template as object)
  const extra = Object.keys(tree).find((k) => !keys.includes(k))
  if (extra !== undefined) return `${at}.${extra} is not part of the run`
  for (const k of keys) {
    const problem = treeMismatch(
      (tree as Record<string, unknown>)[k],
      (template as Record<string, unknown>)[k],
      `${at}.${k}`,
    )
    if (problem) return problem
  }
  return undefined
}

/**
 * The run saved by `program` in DIR: settings through `resolve` (as a fresh run's are checked),
 * tensors matched against `template(config)`.
 */
export async function loadRun<C, T extends object>(
  dir: string,
  program: string,
  resolve: (saved: object) => C,
  template: (config: C) => Promise<T>,
): Promise<SavedRun<C, T>> {
  const file = `${dir}/${CHECKPOINT_FILE}`
  try {
    const { tensors, meta } = store.loadCheckpoint(dir, MAX_RUN_CHECKPOINT_BYTES)
    if (meta.program !== program)
      throw new Corrupt(`not a ${program} checkpoint (program ${JSON.stringify(meta.program)})`)
    let config: C
    try {
      config = resolve(meta.config as object)
    } catch (e) {
      throw new Corrupt(`bad config: ${(e as Error).message}`)
    }
    const { step, losses, backend } = meta
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0)
      throw new Corrupt(`bad step ${JSON.stringify(step)}`)
    if (!Array.isArray(losses) || losses.length !== step || !losses.every((l) => typeof l === 'number'))
      throw new Corrupt(`the loss history should list ${step} losses`)
    if (typeof backend !== 'string') throw new Corrupt('no backend name')
    const problem = treeMismatch(tensors, await template(config), 'tensors')
    if (problem) throw new Corrupt(problem)
    return { step, config, backend, losses: losses as number[], extra: meta.extra ?? null, tensors: tensors as T }
  } catch (e) {
    if (e instanceof Corrupt) throw new RunError(`corrupt checkpoint ${file}: ${e.message}`)
    if (e instanceof DataError) throw new RunError(e.message)
    throw e
  }
}
