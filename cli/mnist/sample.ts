/**
 * `drift sample --checkpoint DIR --class K --alpha A [--n 64] [--seed S] --out FILE.png|.npy|.safetensors`:
 * images of one class from the EMA generator of a `drift train mnist` run, as a grid or as raw tensors.
 */
import path from 'node:path'
import { parseArgs } from 'node:util'
import { UsageError } from '../../compiler/cli/shapes.js'
import { joinNegativeValues } from '../../compiler/cli/args.js'
import { writeAtomic } from '../../compiler/runtime/atomicWrite.js'
import { checkOutputFile } from '../../compiler/runtime/outputPath.js'
import { MNIST_CLASSES } from '../../stdlib/data/mnist.js'
import { sampleImages } from '../../stdlib/mnist/driftEval.js'
import { IMAGE_FORMATS, imagesFile } from '../../stdlib/mnist/imageFiles.js'
import { RunError } from '../../stdlib/train/errors.js'
import { MNIST_SAMPLE_USAGE } from '../usage.js'

/** The most images one call writes (a 100 × 100 grid; 40 MiB of float32). */
export const MAX_SAMPLES = 10_000

const integer = (flag: string, v: string, lo: number, hi: number): number => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < lo || n > hi)
    throw new UsageError(`--${flag} expects an integer in [${lo}, ${hi}], got '${v}'`)
  return n
}

export async function mnistSampleCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: joinNegativeValues(args, ['checkpoint', 'class', 'alpha', 'n', 'seed', 'out']),
    strict: true,
    allowPositionals: true,
    options: {
      checkpoint: { type: 'string' },
      class: { type: 'string' },
      alpha: { type: 'string', default: '1' },
      n: { type: 'string', default: '64' },
      seed: { type: 'string' },
      out: { type: 'string' },
    },
  })
  if (positionals.length)
    throw new UsageError(`sample takes no positional arguments (got '${positionals.join(' ')}'): ${MNIST_SAMPLE_USAGE}`)
  if (!values.checkpoint) throw new UsageError(`missing --checkpoint DIR: ${MNIST_SAMPLE_USAGE}`)
  if (values.class === undefined) throw new UsageError(`missing --class K (0 to 9): ${MNIST_SAMPLE_USAGE}`)
  if (!values.out) throw new UsageError(`missing --out FILE: ${MNIST_SAMPLE_USAGE}`)
  const label = integer('class', values.class, 0, MNIST_CLASSES - 1)
  const n = integer('n', values.n, 1, MAX_SAMPLES)
  const alpha = Number(values.alpha)
  if (!(alpha >= 1 && alpha <= 16))
    throw new UsageError(`--alpha expects a CFG scale in [1, 16], got '${values.alpha}'`)
  const out = values.out
  const format = path.extname(out).toLowerCase()
  if (!(IMAGE_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`cannot tell the format of ${out}: name it ${IMAGE_FORMATS.join(', ')}`)
  checkOutputFile(out)
  try {
    const { loadDriftRun } = await import('../../stdlib/mnist/driftTrain.js')
    const run = await loadDriftRun(values.checkpoint)
    const seed = values.seed === undefined ? run.config.seed : integer('seed', values.seed, 0, 2 ** 31 - 1)
    const labels = new Int32Array(n).fill(label)
    const images = await sampleImages(run.tensors.ema, run.config, labels, alpha, seed)
    const what = { label, alpha, seed, step: run.step }
    writeAtomic(out, imagesFile(format, images, labels, what))
    console.log(`${n} images of class ${label} at α ${alpha} from the EMA generator at step ${run.step} → ${out}`)
    return 0
  } catch (e) {
    if (e instanceof RunError) throw new UsageError(e.message)
    throw e
  }
}
