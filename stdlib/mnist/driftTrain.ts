/**
 * The generator's training run (host code; paper §3–§4, App. A.6–A.9): a frozen encoder from a
 * `drift train mae` run, a generator (generator.ts) from zero output, and each step one compiled program
 * (driftStep.ts) on a batch drawn by driftBatch.ts. The checkpoint keeps the generator, AdamW's
 * state, the EMA, the sample queues and the encoder's hash (a resumed run refuses another
 * encoder). At the end: a grid of EMA samples per class and, with a classifier, the CFG sweep
 * (metrics.json and its plot, cfg-sweep.png).
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Tensor, type Scalar } from '../../dsl/index.js'
import { adamInit, type AdamState } from '../optim/adam.js'
import { IMAGE_SIDE, loadMnist, MNIST_CLASSES } from '../data/mnist.js'
import { SampleQueue } from '../data/queue.js'
import type { Json } from '../io/checkpoint.js'
import { sweepPlot } from '../plot/sweepPlot.js'
import { explainNonFinite } from '../train/diagnose.js'
import { RunError } from '../train/errors.js'
import { CHECKPOINT_FILE, loadRun, type SavedRun } from '../train/runCheckpoint.js'
import { runSteps, startRun, writeOut, type RunOptions } from '../train/savedRunLoop.js'
import { drawBatch, type BatchShape } from './driftBatch.js'
import { driftVariant, resolveDriftConfig, STYLES, type DriftConfig } from './driftConfig.js'
import { evaluateGenerator, sampleGrid, type CfgSweep } from './driftEval.js'
import { driftStep, type GeneratorState } from './driftStep.js'
import type { EncoderParams } from './encoder.js'
import { readsEncoder } from './features.js'
import { initGenerator, type GeneratorParams } from './generator.js'
import type { DitSizes } from './dit.js'
import { loadMaeRun } from './maeTrain.js'

export const PROGRAM = 'mnist-drift'

export type DriftRun = SavedRun<DriftConfig, GeneratorState>

export const generatorSizes = (c: DriftConfig): DitSizes => ({
  channels: 1,
  size: IMAGE_SIDE,
  patch: c.patch,
  width: c.width,
  depth: c.depth,
  mlpRatio: c.mlpRatio,
  classes: MNIST_CLASSES,
  styles: STYLES.tokens,
  codebook: STYLES.codebook,
})

export const batchShape = (c: DriftConfig): BatchShape => ({
  classes: c.classes,
  nNeg: c.nNeg,
  nPos: c.nPos,
  nUnc: c.nUnc,
  prior: { min: 1, max: c.alphaMax, power: c.alphaPower, noCfg: c.noCfg },
  styles: STYLES.tokens,
  codebook: STYLES.codebook,
})

/** A fresh run's tensors: the generator from randomKey(seed), zero AdamW state, the EMA at the weights. */
export async function initDriftTensors(c: DriftConfig): Promise<GeneratorState> {
  const params = await initGenerator(c.generator, c.seed, generatorSizes(c))
  return { params, adam: (await adamInit.run(params)) as AdamState<GeneratorParams>, ema: params }
}

export const loadDriftRun = (dir: string): Promise<DriftRun> =>
  loadRun(dir, PROGRAM, resolveDriftConfig, initDriftTensors)

/** The EMA encoder of the `drift train mae` run in `dir` and the SHA-256 of its checkpoint file. */
export async function loadEncoder(dir: string): Promise<{ encoder: EncoderParams; sha256: string }> {
  const file = path.join(dir, CHECKPOINT_FILE)
  if (!fs.existsSync(file))
    throw new RunError(
      `no encoder in ${dir} (${CHECKPOINT_FILE} is missing): train one with drift train mae --out ${dir}, or give --encoder DIR`,
    )
  const sha256 = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')
  return { encoder: (await loadMaeRun(dir)).tensors.ema.encoder, sha256 }
}

/** What a run whose feature set reads no encoder (`global`) trains against. */
const NO_ENCODER = { encoder: null, sha256: '' }

interface DriftExtra {
  /** the sample queues after the last step */
  queue: unknown
  /** the encoder checkpoint the run trains against ('': none) */
  encoderSha256: string
}

const scalar = (v: number): Scalar => new Tensor(Float32Array.of(v), [], 'f32') as Scalar
export type DriftTrainOptions = RunOptions<DriftConfig, GeneratorState>

/** The queue of a fresh run, or the one a resumed run saved (checked), with the encoder's hash checked. */
function queueOf(c: DriftConfig, run: DriftRun, sha256: string, file: string): SampleQueue {
  if (run.step === 0 && run.extra === null) return SampleQueue.create({ classes: MNIST_CLASSES, seed: c.seed })
  const extra = run.extra as Partial<DriftExtra> | null
  if (!extra || typeof extra.encoderSha256 !== 'string')
    throw new RunError(`corrupt checkpoint ${file}: no encoder hash`)
  if (extra.encoderSha256 !== sha256)
    throw new RunError(
      `the encoder in ${c.encoder} is not the one this run was trained against (its checkpoint changed): resume with that encoder`,
    )
  try {
    return SampleQueue.restore(extra.queue, file)
  } catch (e) {
    throw new RunError((e as Error).message)
  }
}

export async function trainDrift(o: DriftTrainOptions): Promise<{ run: DriftRun; sweep?: CfgSweep }> {
  const { config: c, out } = o
  const { encoder, sha256 } = readsEncoder(c.features) ? await loadEncoder(c.encoder) : NO_ENCODER
  const train = loadMnist('train')
  const run = await startRun(o, () => initDriftTensors(c))
  const queue = queueOf(c, run, sha256, path.join(out, CHECKPOINT_FILE))
  const hyper = {
    lr: scalar(c.lr),
    warmup: scalar(c.warmup),
    weightDecay: scalar(c.weightDecay),
    beta1: scalar(c.beta1),
    beta2: scalar(c.beta2),
    clip: scalar(c.clip),
    emaDecay: scalar(c.emaDecay),
    alphaScale: scalar(c.alphaScale),
  }
  const shape = batchShape(c)
  const title = `DRIFT ${c.generator.toUpperCase()} ${c.width}X${c.depth}`

  await runSteps({
    out,
    program: PROGRAM,
    run,
    progress: o.progress,
    lossTitle: `${title} drift loss`,
    extra: () => ({ queue: queue.state(), encoderSha256: sha256 }) as unknown as Json,
    step: async (s) => {
      const { batch } = drawBatch(queue, train, c.seed, s, shape)
      const args = [run.tensors, encoder, batch, hyper, c.generator, driftVariant(c, s)] as const
      const r = await driftStep.run(...args)
      const tensors = r.state as GeneratorState
      return {
        loss: r.loss.item(),
        tensors,
        params: tensors.params,
        explain: () => explainNonFinite(driftStep, ...args),
      }
    },
  })
  const write = (name: string, data: string | Uint8Array) => writeOut(out, name, data)
  write('samples.png', await sampleGrid(run.tensors.ema, c, `${title} EMA step ${run.step}`))
  if (c.classifier === '' || c.evalSamples === 0) return { run }
  const sweep = await evaluateGenerator(run.tensors.ema, c)
  write('metrics.json', JSON.stringify({ step: run.step, finalLoss: run.losses.at(-1) ?? null, sweep }, null, 2) + '\n')
  write('cfg-sweep.png', sweepPlot(sweep, `${title} CFG SWEEP, STEP ${run.step}`))
  return { run, sweep }
}
