/** Drawing points from a trained toy generator (host code), and writing them as JSON or CSV. */
import path from 'node:path'
import { randomKey, type Mat } from '../../dsl/index.js'
import { generate } from './step.js'
import { drawNoise } from './batch.js'
import type { Checkpoint } from './checkpoint.js'
import { RunError } from '../train/errors.js'

export const SAMPLE_FORMATS = ['.json', '.csv'] as const

/**
 * n points x = f_θ(ε), ε from the sample stream of randomKey(seed). Parameters that overflow
 * float32 (finite in the checkpoint, NaN or ±∞ through the generator) are a RunError: no point
 * that is not a number is handed on.
 */
export async function samplePoints(c: Checkpoint, n: number, seed: number): Promise<Mat> {
  const noise = await drawNoise.run(randomKey(seed), n, c.config.noiseDim)
  const points = await generate.run(c.state.params, noise)
  const bad = points.data.findIndex((v) => !Number.isFinite(v))
  if (bad >= 0)
    throw new RunError(
      `the generator at step ${c.state.step} makes ${points.data[bad]} (point ${Math.floor(bad / 2)}): ` +
        'its parameters overflow float32; sample from an earlier checkpoint',
    )
  return points
}

/**
 * The file text for points: `.csv` is a header `x,y` and one point per line; `.json` is
 * { data, field, step, seed, n, points: [[x, y], …] }. Values are the float32 results, printed exactly.
 */
export function formatPoints(
  file: string,
  points: Mat,
  meta: { data: string; field: string; step: number; seed: number },
): string {
  const ext = path.extname(file).toLowerCase()
  const rows = Array.from({ length: points.shape[0] }, (_, i) => [points.data[2 * i], points.data[2 * i + 1]])
  if (ext === '.csv') return `x,y\n${rows.map(([x, y]) => `${x},${y}`).join('\n')}\n`
  if (ext === '.json') return JSON.stringify({ ...meta, n: rows.length, points: rows }) + '\n'
  throw new RunError(`cannot tell the format of ${file}: name it .json or .csv`)
}
