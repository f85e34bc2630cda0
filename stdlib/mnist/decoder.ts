/**
 * The masked autoencoder's decoder: light, and used for training the encoder only. From the last
 * encoder map it doubles the map size once per earlier stage (nearest upsampling, then a 3×3
 * convolution halving the width, GroupNorm, ReLU), back to the input's size, and a 1×1 convolution
 * gives the pixels. The paper's U-Net decoder (App. A.3) also concatenates the encoder's maps at
 * each size; this one reconstructs from the last map alone.
 */
import { dsl, foldIn, type Key, type T4 } from '../../dsl/index.js'
import { relu } from '../nn/activations.js'
import { convLayer, type ConvParams } from '../nn/conv.js'
import { groupNorm, type NormParams } from '../nn/groupNorm.js'
import { initConv, initNorm } from '../nn/init.js'
import { upsampleNearest } from '../nn/upsample.js'
import { groupsFor, stageWidth } from './encoder.js'

export interface DecoderParams {
  /** ups[i]: the i-th doubling of the map size, width halved */
  ups: { conv: ConvParams; norm: NormParams }[]
  /** the 1×1 convolution to the image's channels */
  out: ConvParams
}

/** The decoder of an encoder of base width `width` with `stages` stages, for images of `channels` channels. */
export const initDecoder = dsl(
  (key: Key, channels: number, width: number, stages: number): DecoderParams => {
    let ups: DecoderParams['ups'] = []
    for (let s = stages - 1; s > 0; s--) {
      const cout = stageWidth(width, s - 1)
      ups = [...ups, { conv: initConv(foldIn(key, s), stageWidth(width, s), cout, 3), norm: initNorm(cout) }]
    }
    return { ups, out: initConv(foldIn(key, 0), width, channels, 1) }
  },
  { static: ['channels', 'width', 'stages'] },
)

/** Pixels [N, channels, H, W] from the last encoder map [N, C·2^(S−1), H/2^(S−1), W/2^(S−1)]. */
export const decode = dsl((p: DecoderParams, h: T4): T4 => {
  let y = h
  for (const up of p.ups) {
    const z = convLayer(up.conv, upsampleNearest(y, 2), 1, 1)
    y = relu(groupNorm(up.norm, z, groupsFor(z.shape[1]))) as T4
  }
  return convLayer(p.out, y, 1, 0)
})
