/**
 * The encoder's training run as a masked autoencoder (host code): each step draws its batch of
 * training images (a pure function of (seed, step), stdlib/data/sampler.ts) and takes a DSL step
 * (mae.ts), whose mask is a pure function of (seed, step) too, so a run resumed from a checkpoint
 * ends with the same weights, bit for bit, as one never interrupted (on the same backend). At the
 * end it measures the masked reconstruction error on test images and draws originals, masked
 * inputs and reconstructions.
 */
import { randomKey, Tensor, type T4 } from '../../dsl/index.js'
import { adamInit, type AdamState } from '../optim/adam.js'
import { IMAGE_SIDE, loadMnist, mnistBatch } from '../data/mnist.js'
import { drawUnconditional } from '../data/sampler.js'
import { imageGrid } from '../plot/imageGrid.js'
import { explainNonFinite } from '../train/diagnose.js'
import { loadRun, type SavedRun } from '../train/runCheckpoint.js'
import { runSteps, startRun, writeOut, type RunOptions } from '../train/savedRunLoop.js'
import { initEncoder } from './encoder.js'
import { initDecoder } from './decoder.js'
import { maeStep, maskOf, reconstruct, STREAMS, type MaeParams } from './mae.js'
import { EVAL_BATCH, resolveMaeConfig, type MaeConfig } from './maeConfig.js'

export const PROGRAM = 'mae'

export interface MaeTensors {
  params: MaeParams
  adam: AdamState<MaeParams>
  /** the EMA of the weights: the encoder whose features the generator trains on */
  ema: MaeParams
}

export interface MaeEvaluation {
  step: number
  images: number
  /** squared error per masked pixel, the EMA weights and the trained ones */
  maskedMse: { ema: number; raw: number }
}

export type MaeRun = SavedRun<MaeConfig, MaeTensors>

const index = (i: number) => new Tensor(Int32Array.of(i), [] as [], 'i32')
/** A fresh run's tensors: the weights from foldIn(randomKey(seed), init), zero Adam state, the EMA at the weights. */
export async function initMaeTensors(c: MaeConfig): Promise<MaeTensors> {
  const key = randomKey(c.seed)
  const params: MaeParams = {
    encoder: await initEncoder.run(key, 1, c.width, c.stages, c.blocks),
    decoder: await initDecoder.run(key, 1, c.width, c.stages),
  }
  return { params, adam: (await adamInit.run(params)) as AdamState<MaeParams>, ema: params }
}

export const loadMaeRun = (dir: string): Promise<MaeRun> => loadRun(dir, PROGRAM, resolveMaeConfig, initMaeTensors)

/** The first n test images as batches of EVAL_BATCH. */
function evalBatches(n: number): T4[] {
  const test = loadMnist('test')
  return Array.from({ length: n / EVAL_BATCH }, (_, b) =>
    mnistBatch(
      test,
      Array.from({ length: EVAL_BATCH }, (_, i) => b * EVAL_BATCH + i),
    ),
  )
}

/** Σ mask·(x̂ − x)² / Σ mask over all the batches, in float64. */
function maskedMse(batches: { x: T4; mask: T4; recon: T4 }[]): number {
  let [err, count] = [0, 0]
  for (const { x, mask, recon } of batches)
    for (let i = 0; i < x.data.length; i++) {
      err += mask.data[i] * (recon.data[i] - x.data[i]) ** 2
      count += mask.data[i]
    }
  return err / count
}

const plane = (t: T4, i: number) => t.data.subarray(i * IMAGE_SIDE * IMAGE_SIDE, (i + 1) * IMAGE_SIDE * IMAGE_SIDE)

/** The masked reconstruction error of the EMA and trained weights on the first c.evalImages test images, and the figure of 8 of them. */
async function evaluate(c: MaeConfig, run: MaeRun): Promise<{ evaluation: MaeEvaluation; figure: Buffer }> {
  const key = randomKey(c.seed)
  const batches = await Promise.all(
    evalBatches(c.evalImages).map(async (x, b) => ({ x, mask: await maskOf.run(key, STREAMS.eval, index(b), x) })),
  )
  const withRecon = async (p: MaeParams) =>
    Promise.all(batches.map(async (b) => ({ ...b, recon: await reconstruct.run(p, b.x, b.mask) })))
  const [ema, raw] = [await withRecon(run.tensors.ema), await withRecon(run.tensors.params)]
  const first = ema[0]
  const shown = [...Array(8).keys()]
  const masked = shown.map((i) => Float32Array.from(plane(first.x, i), (v, k) => (plane(first.mask, i)[k] ? 0 : v)))
  const figure = imageGrid({
    title: `MAE width ${c.width} step ${run.step}: test images`,
    rows: [
      { label: 'ORIGINAL', images: shown.map((i) => plane(first.x, i)) },
      { label: 'MASKED', images: masked },
      { label: 'RECONSTRUCTED', images: shown.map((i) => plane(first.recon, i)) },
    ],
    side: IMAGE_SIDE,
    scale: 3,
    black: -1,
    white: 1,
  })
  return {
    evaluation: { step: run.step, images: c.evalImages, maskedMse: { ema: maskedMse(ema), raw: maskedMse(raw) } },
    figure,
  }
}

export type MaeTrainOptions = RunOptions<MaeConfig, MaeTensors>

export async function trainMae(o: MaeTrainOptions): Promise<{ run: MaeRun; evaluation: MaeEvaluation }> {
  const { config: c, out } = o
  const key = randomKey(c.seed)
  const train = loadMnist('train')
  const hyper = {
    lr: c.lr,
    warmupSteps: c.warmup,
    beta1: c.beta1,
    beta2: c.beta2,
    weightDecay: c.weightDecay,
    emaDecay: c.emaDecay,
  }
  const run = await startRun(o, () => initMaeTensors(c))
  await runSteps({
    out,
    program: PROGRAM,
    run,
    progress: o.progress,
    lossTitle: `MAE width ${c.width} masked loss`,
    step: async (s) => {
      const x = mnistBatch(train, drawUnconditional(train, c.seed, s, c.batch))
      const { params, adam, ema } = run.tensors
      const args = [params, adam, ema, x, key, index(s), hyper] as const
      const r = await maeStep.run(...args)
      const tensors = {
        params: r.params as MaeParams,
        adam: r.state as AdamState<MaeParams>,
        ema: r.average as MaeParams,
      }
      return {
        loss: r.loss.item(),
        tensors,
        params: tensors.params,
        explain: () => explainNonFinite(maeStep, ...args),
      }
    },
  })
  const { evaluation, figure } = await evaluate(c, run)
  writeOut(out, 'reconstructions.png', figure)
  writeOut(
    out,
    'metrics.json',
    JSON.stringify({ step: run.step, finalLoss: run.losses.at(-1) ?? null, test: evaluation }, null, 2) + '\n',
  )
  return { run, evaluation }
}
