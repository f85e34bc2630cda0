/**
 * The generator's condition vector (paper App. A.2; docs/paper.md#generator), shared by both
 * generators: the class embedding, plus the sum of the style embeddings (each of the S indices picks
 * one row of its own codebook), plus a scaled, RMS-normed embedding of the CFG scale α.
 */
import {
  concat,
  cos,
  dsl,
  foldIn,
  gather,
  iota,
  ones,
  sin,
  type f32,
  type Key,
  type Mat,
  type Scalar,
  type Vec,
} from '../../dsl/index.js'
import { initEmbedding, initLinear } from '../nn/init.js'
import { linear, type LinearParams } from '../nn/linear.js'
import { rmsNorm } from '../nn/rmsNorm.js'
import { silu } from '../nn/activations.js'

export interface ConditionParams {
  /** [classes, D] */
  classEmbed: Mat
  /** The style codebooks, one after the other: [styles · codebook, D]. */
  styleEmbed: Mat
  /** The α embedding: sinusoidal features → D → D, then RMSNorm. */
  alphaIn: LinearParams
  alphaOut: LinearParams
  alphaNorm: { scale: Vec }
}

/** The sizes both generators have: images, width, blocks, and the condition's vocabularies. */
export interface GeneratorSizes {
  channels: number
  /** Images are size × size. */
  size: number
  width: number
  depth: number
  /** hidden units of a block's MLP per width unit */
  mlpRatio: number
  classes: number
  styles: number
  codebook: number
}

/** Sinusoidal features of α: sin and cos of α·(π/4)·2^k for k < 8 ([B, 16]). */
export function alphaFeatures(alpha: Vec): Mat {
  const b = alpha.shape[0]
  const freqs = iota([1, 8], 1, 'f32')
    .mul(Math.LN2)
    .exp()
    .mul(Math.PI / 4)
  const angles = alpha.reshape([b, 1]).mul(freqs) as Mat
  return concat([sin(angles), cos(angles)], 1) as Mat
}

/** The condition [B, D]: class + Σ styles + alphaScale · RMSNorm(MLP(features(α))). */
export function condition(
  p: ConditionParams,
  labels: Vec<'i32'>,
  styles: Mat<'i32'>,
  alpha: Vec,
  alphaScale: f32 | Scalar,
): Mat {
  const [b, n] = styles.shape
  const d = p.classEmbed.shape[1]
  // style i reads row i·codebook + index of the stacked codebooks
  const rows = styles.add(iota([b, n], 1).mul(p.styleEmbed.shape[0] / n))
  const style = gather(p.styleEmbed, rows).sum(1) as Mat
  const a = linear(p.alphaOut, silu(linear(p.alphaIn, alphaFeatures(alpha))))
  const alphaEmbed = rmsNorm(p.alphaNorm, a).mul(alphaScale)
  return gather(p.classEmbed, labels).add(style).add(alphaEmbed).reshape([b, d]) as Mat
}

/** The condition's parameters of width d: embeddings from foldIn(key, 1) and (key, 2), the α MLP from (key, 3) and (key, 4). */
export const initCondition = dsl(
  (key: Key, d: number, classes: number, styles: number, codebook: number): ConditionParams => ({
    classEmbed: initEmbedding(foldIn(key, 1), classes, d, 1),
    styleEmbed: initEmbedding(foldIn(key, 2), styles * codebook, d, 1 / Math.sqrt(styles)),
    alphaIn: initLinear(foldIn(key, 3), 16, d, 'he'),
    alphaOut: initLinear(foldIn(key, 4), d, d, 'lecun'),
    alphaNorm: { scale: ones([d]) },
  }),
  { static: ['d', 'classes', 'styles', 'codebook'] },
)
