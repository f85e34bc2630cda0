/**
 * The encoder's training as a masked autoencoder (paper App. A.3, scaled down): every 2×2 patch
 * of the image is zeroed with probability 1/2, the encoder reads the masked image, the decoder
 * reconstructs it from the last map, and the loss is the mean squared error over the masked
 * pixels only. One step takes an AdamW update with a linear warmup of the learning rate and
 * updates an EMA of the weights, with the EMA's own warm-up (stdlib/optim/ema.ts).
 */
import {
  dsl,
  foldIn,
  randomUniform,
  valueAndGrad,
  type Key,
  type Scalar,
  type T4,
  type Tensor,
  type f32,
} from '../../dsl/index.js'
import { adamw } from '../optim/adamw.js'
import type { AdamState } from '../optim/adam.js'
import { ema, emaWarmupDecay } from '../optim/ema.js'
import { linearWarmup } from '../optim/warmup.js'
import { encode, type EncoderParams } from './encoder.js'
import { decode, type DecoderParams } from './decoder.js'

export interface MaeParams {
  encoder: EncoderParams
  decoder: DecoderParams
}

/** The streams of foldIn(randomKey(seed), stream): the initial weights, the masks of the training steps, of the evaluation batches. */
export const STREAMS = { init: 0, mask: 1, eval: 2 } as const

/** An integer scalar (a step number) as a DSL value. */
export type Index = Tensor<[], 'i32'>

/** The side of a masked patch, and the probability that a patch is masked. */
export const MASK_PATCH = 2
export const MASK_RATIO = 0.5

/**
 * The mask of a batch [N, 1, H, W]: 1 on the pixels of masked patches, 0 elsewhere; patch
 * (i, j) of image n is masked when its uniform draw from `key` is below `ratio`.
 */
export const patchMask = (key: Key, shape: number[], ratio: f32): T4 => {
  const [n, , h, w] = shape
  const [ph, pw] = [h / MASK_PATCH, w / MASK_PATCH]
  return randomUniform(key, [n, 1, ph, 1, pw, 1])
    .lt(ratio)
    .astype('f32')
    .broadcastTo([n, 1, ph, MASK_PATCH, pw, MASK_PATCH])
    .reshape([n, 1, h, w]) as T4
}

/** The mask of batch i of a stream (a training step, an evaluation batch): a pure function of (key, stream, i). */
export const streamMask = (key: Key, stream: number, i: Index, x: T4): T4 =>
  patchMask(foldIn(foldIn(key, stream), i), x.shape, MASK_RATIO)

/** streamMask as an entry point. */
export const maskOf = dsl((key: Key, stream: number, i: Index, x: T4): T4 => streamMask(key, stream, i, x), {
  static: ['stream'],
})

/** The reconstruction of the images x with the masked pixels zeroed. */
export const reconstruct = dsl((p: MaeParams, x: T4, mask: T4): T4 => {
  const maps = encode(p.encoder, x.mul(mask.neg().add(1)))
  return decode(p.decoder, maps[maps.length - 1])
})

/** Σ mask·(x̂ − x)² / Σ mask: the squared error per masked pixel (0 when nothing is masked). */
export const maeLoss = dsl((p: MaeParams, x: T4, mask: T4): Scalar =>
  reconstruct(p, x, mask).sub(x).square().mul(mask).sum().div(mask.sum().maximum(1)),
)

/** The step's hyper-parameters (traced: a new value never recompiles). */
export interface MaeHyper {
  lr: f32
  warmupSteps: f32
  beta1: f32
  beta2: f32
  weightDecay: f32
  emaDecay: f32
}

/**
 * One training step on the batch x: the mask of step `step` from the run's key, the loss and its gradient, AdamW at the
 * warmed-up learning rate, and the EMA of the new weights.
 */
export const maeStep = dsl(
  (
    params: MaeParams,
    state: AdamState<MaeParams>,
    average: MaeParams,
    x: T4,
    key: Key,
    step: Index,
    hyper: MaeHyper,
  ) => {
    const mask = streamMask(key, STREAMS.mask, step, x)
    const [loss, grads] = valueAndGrad((p: MaeParams) => maeLoss(p, x, mask))(params)
    const lr = linearWarmup(state.step.add(1), hyper.lr, hyper.warmupSteps)
    const { beta1, beta2, weightDecay } = hyper
    const next = adamw(params, grads, state, { lr, beta1, beta2, weightDecay })
    const decay = emaWarmupDecay(state.step, hyper.emaDecay)
    return { loss, params: next.params, state: next.state, average: ema(average, next.params, decay) }
  },
)
