/**
 * The feature encoder of the image pipeline (paper App. A.3, scaled down to MNIST): a ResNet of
 * basic blocks with GroupNorm, a 3×3 stem without downsampling, then one stage per map size, each
 * doubling the width: widths C, 2C, 4C, 8C on maps of 32², 16², 8², 4² (stride 2 at the first
 * block of every stage but the first). The architecture is read from the parameters' shapes, so
 * the forward pass needs no settings.
 */
import { dsl, foldIn, type Key, type T4 } from '../../dsl/index.js'
import { relu } from '../nn/activations.js'
import { convLayer, type ConvParams } from '../nn/conv.js'
import { groupNorm, type NormParams } from '../nn/groupNorm.js'
import { basicBlock, type BasicBlockParams } from '../nn/resnetBlock.js'
import { initBasicBlock, initConv, initNorm } from '../nn/init.js'

export interface EncoderParams {
  stem: { conv: ConvParams; norm: NormParams }
  /** stages[s][b]: block b of stage s */
  stages: BasicBlockParams[][]
}

/**
 * GroupNorm groups for `channels`: at least 4 channels per group, at most 8 groups (8 at width 32).
 * With one channel per group, each channel of a sample would be normalized over its own locations,
 * and its mean and standard deviation over the map, two of the multi-scale features, would be
 * constant.
 */
export const groupsFor = (channels: number): number => Math.max(1, Math.min(8, Math.floor(channels / 4)))

/** The stride of the first block of stage s: the first stage keeps the stem's map, every later one halves it. */
export const stageStride = (s: number): number => (s === 0 ? 1 : 2)

/** The width of stage s for base width c: c·2ˢ. */
export const stageWidth = (c: number, s: number): number => c * 2 ** s

/** Block b of stage s: the first block of a stage changes width (and map size from stage 1 on). */
const initBlock = (key: Key, width: number, s: number, b: number) =>
  initBasicBlock(
    foldIn(foldIn(key, 1 + s), b),
    b === 0 ? stageWidth(width, Math.max(0, s - 1)) : stageWidth(width, s),
    stageWidth(width, s),
    b === 0 ? stageStride(s) : 1,
  )

/** The stem (3×3, no downsampling) and `stages` stages of `blocks` basic blocks each, base width `width`. */
export const initEncoder = dsl(
  (key: Key, channels: number, width: number, stages: number, blocks: number): EncoderParams => {
    let all: BasicBlockParams[][] = []
    for (let s = 0; s < stages; s++) {
      let stage: BasicBlockParams[] = []
      for (let b = 0; b < blocks; b++) stage = [...stage, initBlock(key, width, s, b)]
      all = [...all, stage]
    }
    return { stem: { conv: initConv(foldIn(key, 0), channels, width, 3), norm: initNorm(width) }, stages: all }
  },
  { static: ['channels', 'width', 'stages', 'blocks'] },
)

/** act(GN(conv3×3(x))): the stem. */
const stem = (p: EncoderParams['stem'], x: T4): T4 => {
  const h = convLayer(p.conv, x, 1, 1)
  return relu(groupNorm(p.norm, h, groupsFor(h.shape[1]))) as T4
}

/** The output of every block: blocks[s][b] is the output of block b of stage s. */
export const encodeBlocks = (p: EncoderParams, x: T4): T4[][] => {
  let blocks: T4[][] = []
  let h = stem(p.stem, x)
  for (let s = 0; s < p.stages.length; s++) {
    let outs: T4[] = []
    for (let b = 0; b < p.stages[s].length; b++) {
      const width = p.stages[s][b].conv1.w.shape[0]
      h = basicBlock(p.stages[s][b], h, b === 0 ? stageStride(s) : 1, groupsFor(width))
      outs = [...outs, h]
    }
    blocks = [...blocks, outs]
  }
  return blocks
}

/** The output of every stage, [N, C·2ˢ, H/2ˢ, W/2ˢ] for stage s. */
export const encode = dsl((p: EncoderParams, x: T4): T4[] => encodeBlocks(p, x).map((outs) => outs[outs.length - 1]))
