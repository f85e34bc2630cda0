/** The DSL programs of the image and transformer workloads: two convolutions, a ResNet block, an attention layer. */
import { conv2d, dsl, valueAndGrad, type Scalar, type T3, type T4 } from '../../dsl/index.js'
import { relu } from '../../stdlib/nn/activations.js'
import { basicBlock, type BasicBlockParams } from '../../stdlib/nn/resnetBlock.js'
import { multiHeadAttention, type AttentionParams } from '../../stdlib/nn/attention.js'

/** conv 1→32 3×3 padding 1, ReLU, conv 32→64 3×3 stride 2 padding 1, ReLU: the paper's MNIST encoder stem. */
export const twoConv = dsl((w1: T4, w2: T4, x: T4): T4 => {
  const h = relu(conv2d(x, w1, { stride: 1, padding: 1 })) as T4
  return relu(conv2d(h, w2, { stride: 2, padding: 1 })) as T4
})
export const twoConvLoss = dsl((w1: T4, w2: T4, x: T4): Scalar => twoConv(w1, w2, x).square().sum())
/** Σy² and its gradient with respect to both filters. */
export const twoConvStep = dsl((w1: T4, w2: T4, x: T4) => valueAndGrad(twoConvLoss, [0, 1])(w1, w2, x))

/** GroupNorm groups of the ResNet block, attention heads of the attention layer. */
export const GROUPS = 8
export const HEADS = 4

export const blockLoss = dsl((p: BasicBlockParams, x: T4): Scalar => basicBlock(p, x, 1, GROUPS).square().sum())
/** Σ block(x)² and its gradient with respect to every parameter of the block and to x. */
export const blockStep = dsl((p: BasicBlockParams, x: T4) => valueAndGrad(blockLoss, [0, 1])(p, x))

export const attentionLoss = dsl((p: AttentionParams, x: T3): Scalar => multiHeadAttention(p, x, HEADS).square().sum())
/** Σ attention(x)² and its gradient with respect to the four projections and to x. */
export const attentionStep = dsl((p: AttentionParams, x: T3) => valueAndGrad(attentionLoss, [0, 1])(p, x))
