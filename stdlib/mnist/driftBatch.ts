/**
 * What one step of the generator's training draws on the host (paper §3.5, App. A.8–A.9): the data
 * stream pushes its latest real samples into the sample queues (stdlib/data/queue.ts), the step's
 * N_c classes are drawn from the labels of that push, and for each class group: N_pos positives
 * from the class's queue, N_unc unconditional samples from the global queue, N_neg noises, style
 * indices and one CFG scale α with its weight w. Every draw comes from a counter stream of
 * (seed, step) or from the queue's own state, so a resumed run draws what an uninterrupted one does.
 */
import { Tensor, type Mat, type T4, type Vec } from '../../dsl/index.js'
import { CounterRng, STREAMS } from '../data/counterRng.js'
import { IMAGE_SIDE, mnistBatch, type MnistSet } from '../data/mnist.js'
import { PUSH_SIZE, SampleQueue } from '../data/queue.js'
import { drawUnconditional } from '../data/sampler.js'
import { cfgWeight, drawAlphas, type AlphaPrior } from './cfg.js'
import type { DriftBatch } from './driftStep.js'

/** The step's group sizes and its α prior. */
export interface BatchShape {
  classes: number
  nNeg: number
  nPos: number
  nUnc: number
  prior: AlphaPrior
  /** style tokens per sample and entries per codebook */
  styles: number
  codebook: number
}

/** Push the data stream's next batches until the last one holds at least `classes` distinct labels. */
export function pushRealSamples(queue: SampleQueue, train: MnistSet, seed: number, classes: number): void {
  do {
    const indices = drawUnconditional(train, seed, queue.pushes(), PUSH_SIZE)
    queue.push(
      indices,
      Array.from(indices, (i) => train.labels[i]),
    )
  } while (queue.lastClasses() < classes)
}

/** `n` standard normal float32 numbers from stream `noise` of (seed, step). */
export function noiseOf(seed: number, step: number, shape: number[]): Float32Array {
  const rng = new CounterRng(seed, step, STREAMS.noise)
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal())
}

/** Step `step`'s batch (the queue moves on by one push, or more when a push lacks classes). */
export function drawBatch(
  queue: SampleQueue,
  train: MnistSet,
  seed: number,
  step: number,
  s: BatchShape,
): { batch: DriftBatch; classes: Int32Array } {
  pushRealSamples(queue, train, seed, s.classes)
  const classes = queue.stepClasses(s.classes)
  const positives = Array.from(classes).flatMap((c) => Array.from(queue.sample(s.nPos, c)))
  const uncond = Array.from(classes).flatMap(() => Array.from(queue.sample(s.nUnc)))
  const alphas = drawAlphas(new CounterRng(seed, step, STREAMS.alpha), s.classes, s.prior)
  const n = s.classes * s.nNeg
  const perSample = (v: ArrayLike<number>) => Array.from({ length: n }, (_, i) => v[Math.floor(i / s.nNeg)])
  const styles = new CounterRng(seed, step, STREAMS.styles)
  const noiseShape = [n, 1, IMAGE_SIDE, IMAGE_SIDE]
  return {
    classes,
    batch: {
      noise: new Tensor(noiseOf(seed, step, noiseShape), noiseShape, 'f32') as T4,
      labels: new Tensor(Int32Array.from(perSample(classes)), [n], 'i32') as Vec<'i32'>,
      styles: new Tensor(
        Int32Array.from({ length: n * s.styles }, () => styles.below(s.codebook)),
        [n, s.styles],
        'i32',
      ) as Mat<'i32'>,
      alpha: new Tensor(Float32Array.from(perSample(alphas)), [n], 'f32') as Vec,
      positives: mnistBatch(train, positives),
      uncond: mnistBatch(train, uncond),
      w: new Tensor(
        Float32Array.from(alphas, (a) => cfgWeight(a, s.nNeg, s.nUnc)),
        [s.classes],
        'f32',
      ) as Vec,
    },
  }
}
