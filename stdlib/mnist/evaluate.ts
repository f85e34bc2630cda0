/**
 * The metrics of generated digits in the evaluation classifier's feature space (host code):
 * FID (the Fréchet distance of the penultimate features, stdlib/metrics/frechet.ts), k-NN precision
 * and recall in the same features (stdlib/metrics/precisionRecall.ts), and the accuracy of the
 * samples on the class each was asked for (stdlib/metrics/classAccuracy.ts). The floors are the
 * same metrics between real training and test images: what a perfect generator would score.
 */
import { Tensor, type Mat, type Vec } from '../../dsl/index.js'
import { frechetDistance } from '../metrics/frechet.js'
import { precisionRecall } from '../metrics/precisionRecall.js'
import { classAccuracy } from '../metrics/classAccuracy.js'
import { mnistBatch, type ImageBatch, type MnistSet } from '../data/mnist.js'
import { classify, type ClassifierParams } from './classifier.js'

/** Images per classifier call. */
export const FEATURE_BATCH = 500

export interface ClassifierOutputs {
  /** [n, hidden]: the metrics' features */
  features: Mat
  /** [n, classes] */
  logits: Mat
}

/** Rows [from, to) of a batch of images. */
const imagesOf = (x: ImageBatch, from: number, to: number): ImageBatch => {
  const plane = x.shape[1] * x.shape[2] * x.shape[3]
  return new Tensor(x.data.subarray(from * plane, to * plane), [to - from, x.shape[1], x.shape[2], x.shape[3]], 'f32')
}

const joinRows = (parts: Mat[]): Mat => {
  const cols = parts[0].shape[1]
  const data = new Float32Array(parts.reduce((n, p) => n + p.shape[0], 0) * cols)
  let at = 0
  for (const p of parts) {
    data.set(p.data, at)
    at += p.data.length
  }
  return new Tensor(data, [data.length / cols, cols], 'f32')
}

/** The classifier's features and logits of the images, FEATURE_BATCH at a time (the last call may be shorter). */
export async function classifierOutputs(p: ClassifierParams, images: ImageBatch): Promise<ClassifierOutputs> {
  const parts: ClassifierOutputs[] = []
  for (let from = 0; from < images.shape[0]; from += FEATURE_BATCH)
    parts.push(await classify.run(p, imagesOf(images, from, Math.min(images.shape[0], from + FEATURE_BATCH))))
  return { features: joinRows(parts.map((o) => o.features)), logits: joinRows(parts.map((o) => o.logits)) }
}

/** The first n images of a split as one batch. */
export const firstImages = (set: MnistSet, n: number): ImageBatch =>
  mnistBatch(
    set,
    Array.from({ length: n }, (_, i) => i),
  )

const labelsOf = (set: MnistSet, n: number): Vec<'i32'> =>
  new Tensor(Int32Array.from(set.labels.subarray(0, n)), [n], 'i32')

export interface Accuracy {
  correct: number
  images: number
  /** correct / images */
  accuracy: number
}

/** How many images of the test split are classified correctly. */
export async function testAccuracy(p: ClassifierParams, test: MnistSet): Promise<Accuracy> {
  const { logits } = await classifierOutputs(p, firstImages(test, test.n))
  // the float32 mean of n < 2^24 zeros and ones is the count over n to a relative 2^−24: times n, it rounds to the count
  const correct = Math.round((await classAccuracy.run(logits, labelsOf(test, test.n))).item() * test.n)
  return { correct, images: test.n, accuracy: correct / test.n }
}

export interface SetMetrics {
  fid: number
  precision: number
  recall: number
}

/**
 * FID, precision and recall of features `generated` against `real` (k = 3). FID runs in the float64
 * interpreter: a barely trained generator's features have a nearly singular covariance, whose
 * Newton–Schulz square root float32 can spoil (FID 380 for 145); 128 features cost about a second.
 */
export async function featureMetrics(real: Mat, generated: Mat): Promise<SetMetrics> {
  const fid = (await frechetDistance.reference(real, generated)).item()
  return { fid, ...(await precisionRecall(real, generated, 3)) }
}

/** The floors: the first n training images against the first n test images. */
export async function realFloors(p: ClassifierParams, train: MnistSet, test: MnistSet, n: number): Promise<SetMetrics> {
  const [a, b] = [await classifierOutputs(p, firstImages(train, n)), await classifierOutputs(p, firstImages(test, n))]
  return featureMetrics(b.features, a.features)
}

export interface SampleMetrics extends SetMetrics {
  /** the fraction of samples the classifier puts in the class they were asked for */
  accuracy: number
}

/** The metrics of generated images, asked for the classes `asked`, against the real features (e.g. of the test split). */
export async function sampleMetrics(
  p: ClassifierParams,
  samples: ImageBatch,
  asked: Vec<'i32'>,
  realFeatures: Mat,
): Promise<SampleMetrics> {
  if (asked.shape[0] !== samples.shape[0])
    throw new RangeError(`sampleMetrics: ${asked.shape[0]} labels for ${samples.shape[0]} samples`)
  const { features, logits } = await classifierOutputs(p, samples)
  return {
    ...(await featureMetrics(realFeatures, features)),
    accuracy: (await classAccuracy.run(logits, asked)).item(),
  }
}
