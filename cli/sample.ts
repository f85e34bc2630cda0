/**
 * `drift sample --checkpoint DIR …`: samples from a trained generator. The checkpoint says which
 * program trained it: a `drift train mnist` run samples digits (cli/mnist/sample.ts), as does any
 * call with --class or --alpha; anything else is read as a toy 2-D run (cli/toy2d/sample.ts). The
 * command that runs reports what is wrong with the checkpoint.
 */
import { checkpointProgram, findCheckpointFile } from '../stdlib/io/checkpoint.js'

/** The value of --checkpoint in `args` (as `--checkpoint DIR` or `--checkpoint=DIR`). */
function checkpointArg(args: string[]): string | undefined {
  const i = args.findIndex((a) => a === '--checkpoint' || a.startsWith('--checkpoint='))
  if (i < 0) return undefined
  return args[i].includes('=') ? args[i].slice('--checkpoint='.length) : args[i + 1]
}

/** The program a checkpoint names in its header, or undefined when it cannot tell. */
async function programOf(dir: string): Promise<unknown> {
  if (!findCheckpointFile(dir)) return undefined
  const { DataError } = await import('../stdlib/io/errors.js')
  const { MAX_RUN_CHECKPOINT_BYTES } = await import('../stdlib/train/runCheckpoint.js')
  try {
    return checkpointProgram(dir, MAX_RUN_CHECKPOINT_BYTES)
  } catch (e) {
    // the toy loader reads it again and reports the problem
    if (e instanceof DataError) return undefined
    throw e
  }
}

export async function sampleCommand(args: string[]): Promise<number> {
  const dir = checkpointArg(args)
  const { PROGRAM } = await import('../stdlib/mnist/driftTrain.js')
  // --class and --alpha ask for digits: the MNIST command says what is wrong with a checkpoint that has none
  const digits = args.some((a) => /^--(class|alpha)(=|$)/.test(a))
  if (digits || (dir !== undefined && (await programOf(dir)) === PROGRAM))
    return (await import('./mnist/sample.js')).mnistSampleCommand(args)
  return (await import('./toy2d/sample.js')).sampleCommand(args)
}
