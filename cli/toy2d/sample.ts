/** `drift sample --checkpoint DIR [--n 4096] [--seed S] --out FILE.json|FILE.csv`: points from a trained toy generator. */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { UsageError } from '../../compiler/cli/shapes.js'
import { loadCheckpoint } from '../../stdlib/toy2d/checkpoint.js'
import { RunError } from '../../stdlib/train/errors.js'
import { formatPoints, samplePoints, SAMPLE_FORMATS } from '../../stdlib/toy2d/sample.js'
import { SAMPLE_USAGE } from '../usage.js'
import { writeAtomic } from '../../compiler/runtime/atomicWrite.js'

export async function sampleCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      checkpoint: { type: 'string' },
      n: { type: 'string', default: '4096' },
      seed: { type: 'string' },
      out: { type: 'string' },
    },
  })
  if (positionals.length)
    throw new UsageError(`sample takes no positional arguments (got '${positionals.join(' ')}'): ${SAMPLE_USAGE}`)
  if (!values.checkpoint) throw new UsageError(`missing --checkpoint DIR: ${SAMPLE_USAGE}`)
  if (!values.out) throw new UsageError(`missing --out FILE: ${SAMPLE_USAGE}`)
  const n = Number(values.n)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--n expects a positive integer, got '${values.n}'`)
  const out = values.out
  if (!(SAMPLE_FORMATS as readonly string[]).includes(path.extname(out).toLowerCase()))
    throw new UsageError(`cannot tell the format of ${out}: name it .json or .csv`)
  const dir = path.dirname(path.resolve(out))
  try {
    if (!fs.statSync(dir).isDirectory()) throw new Error('ENOTDIR')
    fs.accessSync(dir, fs.constants.W_OK)
  } catch (e) {
    throw new UsageError(
      `cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (${path.dirname(out)})`,
    )
  }
  try {
    const ck = loadCheckpoint(values.checkpoint)
    const seed = values.seed === undefined ? ck.config.seed : Number(values.seed)
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 31)
      throw new UsageError(`--seed expects an integer in [0, 2^31), got '${values.seed}'`)
    const points = await samplePoints(ck, n, seed)
    writeAtomic(
      out,
      formatPoints(out, points, { data: ck.config.data, field: ck.config.field, step: ck.state.step, seed }),
    )
    console.log(`${n} points from the ${ck.config.data} generator at step ${ck.state.step} → ${out}`)
    return 0
  } catch (e) {
    if (e instanceof RunError) throw new UsageError(e.message)
    throw e
  }
}
