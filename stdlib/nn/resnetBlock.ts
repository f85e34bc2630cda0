import { dsl, type Shape, type T4, type Tensor } from '../../dsl/index.js'
import { relu } from './activations.js'
import { convLayer, type ConvParams } from './conv.js'
import { groupNorm, type NormParams } from './groupNorm.js'

/** Parameters of a basic ResNet block; `proj` only when the block changes channels or stride. */
export interface BasicBlockParams {
  conv1: ConvParams
  norm1: NormParams
  conv2: ConvParams
  norm2: NormParams
  proj?: { conv: ConvParams; norm: NormParams }
}

/**
 * Basic ResNet block (He et al. 2016, with GroupNorm as in the paper's feature encoder, App. A.3):
 * h = act(GN(conv3×3_stride(x))), y = GN(conv3×3(h)), out = act(y + skip(x)),
 * skip = x, or GN(conv1×1_stride(x)) when the stride is not 1 or the channel count changes.
 * `stride` and `groups` are static; `act` defaults to ReLU.
 */
export const basicBlock = dsl(
  (p: BasicBlockParams, x: T4, stride: number, groups: number, act: (h: Tensor<Shape>) => Tensor<Shape> = relu): T4 => {
    const h = act(groupNorm(p.norm1, convLayer(p.conv1, x, stride, 1), groups)) as T4
    const y = groupNorm(p.norm2, convLayer(p.conv2, h, 1, 1), groups)
    const skip =
      stride !== 1 || x.shape[1] !== y.shape[1]
        ? groupNorm(p.proj!.norm, convLayer(p.proj!.conv, x, stride, 0), groups)
        : x
    return act(y.add(skip)) as T4
  },
  { static: ['stride', 'groups'] },
)
