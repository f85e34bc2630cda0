/**
 * Samples of a trained generator and their scores (host code): a grid of samples per class, and
 * the CFG sweep (paper §3.5, Fig. 5): for each α, FID, k-NN precision and recall against the test
 * images in the evaluation classifier's features, and the accuracy on the class asked for, over
 * all samples and per class. Evaluation draws use their own counter steps (2³² − 1 downwards), so
 * they never repeat a training step's noise.
 */
import { Tensor, type Mat, type Scalar, type T4, type Vec } from '../../dsl/index.js'
import { CounterRng, STREAMS } from '../data/counterRng.js'
import { IMAGE_SIDE, loadMnist, MNIST_CLASSES, type ImageBatch } from '../data/mnist.js'
import { imageGrid } from '../plot/imageGrid.js'
import { loadClassifierRun } from './classifierTrain.js'
import { STYLES, type DriftConfig } from './driftConfig.js'
import { noiseOf } from './driftBatch.js'
import { classifierOutputs, featureMetrics, firstImages, type SetMetrics } from './evaluate.js'
import { generate, type GeneratorParams } from './generator.js'

/** The α of the sweep (paper Fig. 5 at MNIST scale) and of the sample grid. */
export const SWEEP_ALPHAS = [1, 1.25, 1.5, 2, 3]
export const GRID_ALPHA = 1.5
/** Samples per generator call. */
export const GENERATE_BATCH = 100

/** Samples of the classes `labels` at guidance `alpha` from the generator `c.generator`, GENERATE_BATCH at a time; draws from `seed`. */
export async function sampleImages(
  p: GeneratorParams,
  c: Pick<DriftConfig, 'generator' | 'alphaScale'>,
  labels: ArrayLike<number>,
  alpha: number,
  seed: number,
): Promise<ImageBatch> {
  const plane = IMAGE_SIDE * IMAGE_SIDE
  const out = new Float32Array(labels.length * plane)
  const scale = new Tensor(Float32Array.of(c.alphaScale), [], 'f32') as Scalar
  for (let from = 0, b = 0; from < labels.length; from += GENERATE_BATCH, b++) {
    const n = Math.min(GENERATE_BATCH, labels.length - from)
    const step = 2 ** 32 - 1 - b
    const styles = new CounterRng(seed, step, STREAMS.styles)
    const x = await generate.run(
      c.generator,
      p,
      new Tensor(noiseOf(seed, step, [n, 1, IMAGE_SIDE, IMAGE_SIDE]), [n, 1, IMAGE_SIDE, IMAGE_SIDE], 'f32') as T4,
      new Tensor(
        Int32Array.from({ length: n }, (_, i) => labels[from + i]),
        [n],
        'i32',
      ) as Vec<'i32'>,
      new Tensor(
        Int32Array.from({ length: n * STYLES.tokens }, () => styles.below(STYLES.codebook)),
        [n, STYLES.tokens],
        'i32',
      ) as Mat<'i32'>,
      new Tensor(new Float32Array(n).fill(alpha), [n], 'f32') as Vec,
      scale,
    )
    out.set(x.data, from * plane)
  }
  return new Tensor(out, [labels.length, 1, IMAGE_SIDE, IMAGE_SIDE], 'f32')
}

/** A PNG of 10 samples of each class at α = GRID_ALPHA. */
export async function sampleGrid(p: GeneratorParams, c: DriftConfig, title: string): Promise<Buffer> {
  const per = 10
  const labels = Array.from({ length: MNIST_CLASSES * per }, (_, i) => Math.floor(i / per))
  const x = await sampleImages(p, c, labels, GRID_ALPHA, c.seed)
  const plane = IMAGE_SIDE * IMAGE_SIDE
  return imageGrid({
    title: `${title}, ALPHA ${GRID_ALPHA}`,
    rows: Array.from({ length: MNIST_CLASSES }, (_, k) => ({
      label: String(k),
      images: Array.from({ length: per }, (_, j) => x.data.subarray((k * per + j) * plane, (k * per + j + 1) * plane)),
    })),
    side: IMAGE_SIDE,
    scale: 2,
    black: -1,
    white: 1,
  })
}

export interface AlphaScores extends SetMetrics {
  alpha: number
  /** the fraction of samples classified as the class asked for, over all and per class */
  accuracy: number
  perClass: number[]
}

export type CfgSweep = AlphaScores[]

/** The argmax of each row of logits [n, classes] (a tie goes to the lower class). */
function argmaxRows(logits: Mat): Int32Array {
  const [n, k] = logits.shape
  return Int32Array.from({ length: n }, (_, i) => {
    let best = 0
    for (let j = 1; j < k; j++) if (logits.data[i * k + j] > logits.data[i * k + best]) best = j
    return best
  })
}

/** The sweep over `alphas`: c.evalSamples samples each (classes in turn) against as many test images. */
export async function evaluateGenerator(p: GeneratorParams, c: DriftConfig, alphas = SWEEP_ALPHAS): Promise<CfgSweep> {
  const classifier = (await loadClassifierRun(c.classifier)).tensors.params
  const n = c.evalSamples
  const real = (await classifierOutputs(classifier, firstImages(loadMnist('test'), n))).features
  const labels = Int32Array.from({ length: n }, (_, i) => i % MNIST_CLASSES)
  const sweep: CfgSweep = []
  for (const alpha of alphas) {
    const { features, logits } = await classifierOutputs(classifier, await sampleImages(p, c, labels, alpha, c.seed))
    const predicted = argmaxRows(logits)
    const hits = new Array<number>(MNIST_CLASSES).fill(0)
    const asked = new Array<number>(MNIST_CLASSES).fill(0)
    labels.forEach((l, i) => {
      asked[l]++
      if (predicted[i] === l) hits[l]++
    })
    const metrics = await featureMetrics(real, features)
    const bad = Object.entries(metrics).find(([, v]) => !Number.isFinite(v))
    if (bad)
      throw new RangeError(
        `the ${bad[0]} of ${n} samples at α ${alpha} is ${bad[1]}: score more samples than the classifier has features (--eval-samples)`,
      )
    sweep.push({
      alpha,
      ...metrics,
      accuracy: hits.reduce((a, b) => a + b, 0) / n,
      perClass: hits.map((h, k) => h / asked[k]),
    })
  }
  return sweep
}
