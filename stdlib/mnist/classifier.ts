/**
 * The evaluation classifier, LeNet-style (LeCun et al. 1998, with ReLU): two valid 5×5
 * convolutions each followed by ReLU and 2×2 average pooling (32 → 28 → 14 → 10 → 5), a hidden
 * dense layer with ReLU, whose activations are the features of the metrics (FID, precision and
 * recall in stdlib/metrics), and a dense layer to the 10 class logits. Trained with the
 * cross-entropy, AdamW and a linear warmup then cosine decay of the learning rate.
 */
import {
  dsl,
  foldIn,
  iota,
  logSoftmax,
  valueAndGrad,
  type Key,
  type Mat,
  type Scalar,
  type T4,
  type Vec,
  type f32,
} from '../../dsl/index.js'
import { relu } from '../nn/activations.js'
import { convLayer, type ConvParams } from '../nn/conv.js'
import { linear, type LinearParams } from '../nn/linear.js'
import { initConv, initLinear } from '../nn/init.js'
import { avgPool2d } from '../nn/pool.js'
import { adamw } from '../optim/adamw.js'
import type { AdamState } from '../optim/adam.js'
import { warmupCosine } from '../optim/warmup.js'

export interface ClassifierParams {
  conv1: ConvParams
  conv2: ConvParams
  hidden: LinearParams
  out: LinearParams
}

/** The side of the convolutions' kernels. */
export const KERNEL = 5

/** The side of the maps after both convolutions and poolings, for images of side `side`. */
export const finalSide = (side: number): number => ((side - KERNEL + 1) / 2 - KERNEL + 1) / 2

/** Widths c1, c2 of the convolutions, `hidden` features, `classes` logits, for images [·, channels, side, side]. */
export const initClassifier = dsl(
  (
    key: Key,
    channels: number,
    side: number,
    c1: number,
    c2: number,
    hidden: number,
    classes: number,
  ): ClassifierParams => ({
    conv1: initConv(foldIn(key, 0), channels, c1, KERNEL),
    conv2: initConv(foldIn(key, 1), c1, c2, KERNEL),
    hidden: initLinear(foldIn(key, 2), c2 * finalSide(side) ** 2, hidden),
    out: initLinear(foldIn(key, 3), hidden, classes, 'lecun'),
  }),
  { static: ['channels', 'side', 'c1', 'c2', 'hidden', 'classes'] },
)

/** The penultimate activations [N, hidden] (the metrics' feature space) and the logits [N, classes]. */
export const classify = dsl((p: ClassifierParams, x: T4): { features: Mat; logits: Mat } => {
  const h1 = avgPool2d(relu(convLayer(p.conv1, x)) as T4, 2)
  const h2 = avgPool2d(relu(convLayer(p.conv2, h1)) as T4, 2)
  const features = relu(linear(p.hidden, h2.reshape([h2.shape[0], -1]))) as Mat
  return { features, logits: linear(p.out, features) as Mat }
})

/** One-hot rows [N, K] of the labels [N] (i32). */
export const oneHot = (labels: Vec<'i32'>, classes: number): Mat =>
  iota([labels.shape[0], classes], 1)
    .eq(labels.reshape([-1, 1]))
    .astype('f32') as Mat

/** The mean cross-entropy −log softmax(logits)[label] over the batch. */
export const crossEntropy = dsl((logits: Mat, labels: Vec<'i32'>): Scalar =>
  logSoftmax(logits, 1).mul(oneHot(labels, logits.shape[1])).sum(1).mean().neg(),
)

/** The classifier's loss on images x and their labels. */
export const classifierLoss = dsl((p: ClassifierParams, x: T4, labels: Vec<'i32'>): Scalar =>
  crossEntropy(classify(p, x).logits, labels),
)

/** The step's hyper-parameters (traced: a new value never recompiles). */
export interface ClassifierHyper {
  lr: f32
  warmupSteps: f32
  totalSteps: f32
  beta1: f32
  beta2: f32
  weightDecay: f32
}

/** One training step: the loss and its gradient, AdamW at the scheduled learning rate. */
export const classifierStep = dsl(
  (params: ClassifierParams, state: AdamState<ClassifierParams>, x: T4, labels: Vec<'i32'>, hyper: ClassifierHyper) => {
    const [loss, grads] = valueAndGrad((p: ClassifierParams) => classifierLoss(p, x, labels))(params)
    const lr = warmupCosine(state.step.add(1), hyper.lr, hyper.warmupSteps, hyper.totalSteps)
    const { beta1, beta2, weightDecay } = hyper
    const next = adamw(params, grads, state, { lr, beta1, beta2, weightDecay })
    return { loss, params: next.params, state: next.state }
  },
)
