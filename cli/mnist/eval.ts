/**
 * `drift eval --checkpoint DIR [--classifier DIR] [--samples 1000] [--alphas 1,1.25,1.5,2,3] [--out DIR]`:
 * the CFG sweep of a `drift train mnist` run's EMA generator — FID, precision and recall in the
 * evaluation classifier's features, accuracy on the class asked for — as a table, `eval.json` and
 * `cfg-sweep.png` (FID and accuracy against α).
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { UsageError } from '../../compiler/cli/shapes.js'
import { writeAtomic } from '../../compiler/runtime/atomicWrite.js'
import { checkOutputFolder } from '../../compiler/runtime/outputPath.js'
import { RunError } from '../../stdlib/train/errors.js'
import { EVAL_USAGE } from '../usage.js'
import { sweepLines } from './sweepLines.js'

/** The α list: increasing numbers in [1, 16], at most 16 of them. */
function parseAlphas(v: string): number[] {
  const alphas = v.split(',').map(Number)
  const ok = alphas.length <= 16 && alphas.every((a, i) => a >= 1 && a <= 16 && (i === 0 || a > alphas[i - 1]))
  if (!ok)
    throw new UsageError(`--alphas expects up to 16 increasing CFG scales in [1, 16], such as 1,1.5,2; got '${v}'`)
  return alphas
}

export async function evalCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      checkpoint: { type: 'string' },
      classifier: { type: 'string' },
      samples: { type: 'string' },
      alphas: { type: 'string' },
      out: { type: 'string' },
    },
  })
  if (positionals.length)
    throw new UsageError(`eval takes no positional arguments (got '${positionals.join(' ')}'): ${EVAL_USAGE}`)
  if (!values.checkpoint) throw new UsageError(`missing --checkpoint DIR: ${EVAL_USAGE}`)
  const out = values.out ?? values.checkpoint
  checkOutputFolder(out)
  const { SWEEP_ALPHAS, evaluateGenerator } = await import('../../stdlib/mnist/driftEval.js')
  const { resolveDriftConfig } = await import('../../stdlib/mnist/driftConfig.js')
  const alphas = values.alphas === undefined ? SWEEP_ALPHAS : parseAlphas(values.alphas)
  try {
    const { loadDriftRun } = await import('../../stdlib/mnist/driftTrain.js')
    const run = await loadDriftRun(values.checkpoint)
    const overrides = {
      ...(values.classifier === undefined ? {} : { classifier: values.classifier }),
      ...(values.samples === undefined ? {} : { evalSamples: Number(values.samples) }),
    }
    const c = resolveDriftConfig(run.config, overrides)
    if (c.classifier === '')
      throw new UsageError(
        'the run names no evaluation classifier: give --classifier DIR (a drift train classifier folder)',
      )
    if (c.evalSamples === 0) throw new UsageError('--samples must be an integer in [200, 10000], got 0')
    const sweep = await evaluateGenerator(run.tensors.ema, c, alphas)
    const { sweepPlot } = await import('../../stdlib/plot/sweepPlot.js')
    const title = `CFG SWEEP, STEP ${run.step}, ${c.evalSamples} SAMPLES`
    fs.mkdirSync(out, { recursive: true })
    writeAtomic(
      path.join(out, 'eval.json'),
      JSON.stringify({ step: run.step, samples: c.evalSamples, sweep }, null, 2) + '\n',
    )
    writeAtomic(path.join(out, 'cfg-sweep.png'), sweepPlot(sweep, title))
    console.log(
      [
        `the EMA generator of ${values.checkpoint} at step ${run.step}, ${c.evalSamples} samples per α against as many test images:`,
        ...sweepLines(sweep),
        `written: ${path.join(out, 'eval.json')}, ${path.join(out, 'cfg-sweep.png')}`,
      ].join('\n'),
    )
    return 0
  } catch (e) {
    if (e instanceof RunError) throw new UsageError(e.message)
    throw e
  }
}
