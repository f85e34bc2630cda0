/**
 * A one-step generator of the image pipeline that learns in few steps on a CPU: a residual MLP
 * over the whole image (docs/mnist.md says why it is the default). Noise of the image's shape
 * goes in, the image comes out, in one network evaluation:
 * - the flattened noise through a linear map to width D, plus the condition vector of condition.ts
 *   (class, styles, α);
 * - `depth` residual blocks x + W₂·SiLU(W₁·RMSNorm(x)), hidden width `mlpRatio`·D;
 * - a final RMSNorm, a zero-initialized linear map to the pixels and tanh, so that pixels stay in
 *   the data's range [−1, 1]: at initialization the generator outputs exactly 0 for every input (a
 *   point mass at 0), as the DiT does.
 * Every output pixel depends on all of the noise and on the condition from the first step, where
 * the DiT's patches see the class only through modulations that start at zero.
 */
import { dsl, foldIn, ones, type f32, type Key, type Mat, type Scalar, type T4, type Vec } from '../../dsl/index.js'
import { initLinear, zeroInit } from '../nn/init.js'
import { linear, type LinearParams } from '../nn/linear.js'
import { rmsNorm } from '../nn/rmsNorm.js'
import { silu } from '../nn/activations.js'
import { condition, initCondition, type ConditionParams, type GeneratorSizes } from './condition.js'

export interface MlpBlock {
  norm: { scale: Vec }
  fc1: LinearParams
  fc2: LinearParams
}

export interface MlpGeneratorParams {
  /** C·H·W noise values → D */
  noiseIn: LinearParams
  condition: ConditionParams
  blocks: MlpBlock[]
  finalNorm: { scale: Vec }
  /** D → C·H·W; zero at init */
  out: LinearParams
}

/** x = G(noise | class, styles, α): noise [B, C, H, W] → images [B, C, H, W] (the inputs as generateDit's). */
export const generateMlp = dsl(
  (
    p: MlpGeneratorParams,
    noise: T4,
    labels: Vec<'i32'>,
    styles: Mat<'i32'>,
    alpha: Vec,
    alphaScale: f32 | Scalar = 1,
  ): T4 => {
    const [b, c, h, w] = noise.shape
    const cond = condition(p.condition, labels, styles, alpha, alphaScale)
    let x = linear(p.noiseIn, noise.reshape([b, c * h * w])).add(cond) as Mat
    for (const blk of p.blocks) x = x.add(linear(blk.fc2, silu(linear(blk.fc1, rmsNorm(blk.norm, x))))) as Mat
    return linear(p.out, rmsNorm(p.finalNorm, x)).tanh().reshape([b, c, h, w]) as T4
  },
)

/** A new MLP generator: LeCun/He weights from `key` and the output map zero. */
export const initMlpGenerator = dsl(
  (key: Key, s: GeneratorSizes): MlpGeneratorParams => {
    const { width: d } = s
    const pixels = s.channels * s.size * s.size
    let blocks: MlpBlock[] = []
    for (let i = 0; i < s.depth; i++)
      blocks = [
        ...blocks,
        {
          norm: { scale: ones([d]) },
          fc1: initLinear(foldIn(foldIn(key, 10), i), d, s.mlpRatio * d, 'he'),
          fc2: initLinear(foldIn(foldIn(key, 11), i), s.mlpRatio * d, d, 'lecun'),
        },
      ]
    return {
      noiseIn: initLinear(foldIn(key, 0), pixels, d, 'lecun'),
      condition: initCondition(key, d, s.classes, s.styles, s.codebook),
      blocks,
      finalNorm: { scale: ones([d]) },
      out: zeroInit(d, pixels),
    }
  },
  { static: ['s'] },
)
