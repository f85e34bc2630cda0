/** `drift train <target>`: the training targets, each run by cli/trainCommand.ts. */
import { UsageError } from '../compiler/cli/shapes.js'
import { runTrainCommand } from './trainCommand.js'
import { isHelp, TRAIN_USAGE, type TrainTargetName } from './usage.js'

const TARGETS: Record<TrainTargetName, (args: string[], usage: string) => Promise<number>> = {
  toy2d: async (args, usage) => runTrainCommand((await import('./toy2d/train.js')).TOY2D, args, usage),
  mae: async (args, usage) => runTrainCommand((await import('./mnist/mae.js')).MAE, args, usage),
  classifier: async (args, usage) => runTrainCommand((await import('./mnist/classifier.js')).CLASSIFIER, args, usage),
  mnist: async (args, usage) => runTrainCommand((await import('./mnist/drift.js')).MNIST, args, usage),
}

export async function trainCommand(args: string[]): Promise<number> {
  const [target, ...rest] = args
  const names = Object.keys(TARGETS).join(', ')
  if (target !== undefined && isHelp(target)) {
    console.log(Object.values(TRAIN_USAGE).join('\n'))
    return 0
  }
  if (target === undefined || target.startsWith('-'))
    throw new UsageError(`train needs a target (${names}): drift train <target> [flags], see drift --help`)
  if (!Object.hasOwn(TARGETS, target))
    throw new UsageError(`unknown training target '${target}': the targets are ${names}`)
  const name = target as TrainTargetName
  if (rest.some(isHelp)) {
    console.log(TRAIN_USAGE[name])
    return 0
  }
  return TARGETS[name](rest, TRAIN_USAGE[name].split('\n')[0])
}
