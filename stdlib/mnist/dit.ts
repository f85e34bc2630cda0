/**
 * A one-step generator of the image pipeline, the paper's architecture: a small DiT (docs/paper.md#generator; paper §4 and
 * App. A.2, scaled down to MNIST). Noise of the image's shape goes in, the image comes out, in one
 * network evaluation:
 * - patchify the noise (p×p patches → tokens), embed them linearly, add learned positions;
 * - the condition vector of condition.ts (class, styles, α);
 * - `depth` transformer blocks (RMSNorm, multi-head self-attention, an MLP with SiLU), each branch
 *   modulated by the condition (adaLN-Zero: shift, scale and gate from a zero-initialized linear map
 *   of the condition, so every block starts as the identity);
 * - a final adaLN and a zero-initialized linear map back to patches, unpatchified: at initialization
 *   the generator outputs exactly 0 for every input (a point mass at 0).
 */
import {
  concat,
  cos,
  dsl,
  foldIn,
  iota,
  ones,
  sin,
  type f32,
  type Key,
  type Mat,
  type Scalar,
  type T3,
  type T4,
  type Vec,
} from '../../dsl/index.js'
import { initAttention, initLinear, zeroInit } from '../nn/init.js'
import { linear, type LinearParams } from '../nn/linear.js'
import { rmsNorm } from '../nn/rmsNorm.js'
import { multiHeadAttention, type AttentionParams } from '../nn/attention.js'
import { silu } from '../nn/activations.js'
import { condition, initCondition, type ConditionParams, type GeneratorSizes } from './condition.js'

export interface DitBlock {
  norm1: { scale: Vec }
  attn: AttentionParams
  norm2: { scale: Vec }
  mlpIn: LinearParams
  mlpOut: LinearParams
  /** cond → shift, scale, gate of the attention branch, then of the MLP branch [D, 6D]; zero at init. */
  modulation: LinearParams
}

export interface DitParams {
  /** p·p·C patch values → D. */
  patchEmbed: LinearParams
  /** Learned positions [T, D] (2-D sin-cos at init). */
  positions: Mat
  /** class, styles and α → the condition vector [B, D] */
  condition: ConditionParams
  blocks: DitBlock[]
  /** cond → shift, scale of the final norm [D, 2D]; zero at init. */
  finalModulation: LinearParams
  finalNorm: { scale: Vec }
  /** D → p·p·C; zero at init. */
  unpatch: LinearParams
}

/** Features per attention head: a width D has D / HEAD_DIM heads. */
export const HEAD_DIM = 32

/** [B, C, H, W] → tokens [B, (H/p)(W/p), C·p·p], each token one p×p patch. */
export function patchify(x: T4, p: number): T3 {
  const [b, c, h, w] = x.shape
  return x
    .reshape([b, c, h / p, p, w / p, p])
    .transpose([0, 2, 4, 1, 3, 5])
    .reshape([b, (h / p) * (w / p), c * p * p]) as T3
}

/** Tokens [B, (H/p)(W/p), C·p·p] → [B, C, H, W]: the inverse of patchify. */
export function unpatchify(t: T3, c: number, h: number, w: number, p: number): T4 {
  const b = t.shape[0]
  return t
    .reshape([b, h / p, w / p, c, p, p])
    .transpose([0, 3, 1, 4, 2, 5])
    .reshape([b, c, h, w]) as T4
}

/** x ⊙ (1 + scale) + shift, the condition's [B, D] shift and scale broadcast over the tokens. */
function modulate(x: T3, shift: Mat, scale: Mat): T3 {
  const [b, , d] = x.shape
  return x.mul(scale.reshape([b, 1, d]).add(1)).add(shift.reshape([b, 1, d])) as T3
}

/** One block: x + gate ⊙ attention(adaLN(x)), then + gate ⊙ MLP(adaLN(·)). */
function block(p: DitBlock, x: T3, cond: Mat, heads: number): T3 {
  const [b, , d] = x.shape
  const m = linear(p.modulation, silu(cond)) as Mat
  const part = (i: number) => m.slice(1, i * d, (i + 1) * d) as Mat
  const gate = (i: number) => part(i).reshape([b, 1, d])
  const a = multiHeadAttention(p.attn, modulate(rmsNorm(p.norm1, x) as T3, part(0), part(1)), heads)
  const h = x.add(a.mul(gate(2))) as T3
  const hidden = silu(linear(p.mlpIn, modulate(rmsNorm(p.norm2, h) as T3, part(3), part(4))))
  return h.add(linear(p.mlpOut, hidden).mul(gate(5))) as T3
}

/**
 * x = G(noise | class, styles, α): noise [B, C, H, W] → images [B, C, H, W]; labels [B], styles
 * [B, S] (indices into S codebooks), alpha [B]. The patch size, the codebook size and the number of
 * heads follow from the parameters' shapes; `alphaScale` weighs the α embedding in the condition.
 */
export const generateDit = dsl(
  (p: DitParams, noise: T4, labels: Vec<'i32'>, styles: Mat<'i32'>, alpha: Vec, alphaScale: f32 | Scalar = 1): T4 => {
    const [, c, h, w] = noise.shape
    const patch = Math.round(Math.sqrt(p.patchEmbed.w.shape[0] / c))
    const cond = condition(p.condition, labels, styles, alpha, alphaScale)
    let x = linear(p.patchEmbed, patchify(noise, patch)).add(p.positions) as T3
    const d = x.shape[2]
    for (const blk of p.blocks) x = block(blk, x, cond, d / HEAD_DIM)
    const m = linear(p.finalModulation, silu(cond)) as Mat
    const y = modulate(rmsNorm(p.finalNorm, x) as T3, m.slice(1, 0, d) as Mat, m.slice(1, d, 2 * d) as Mat)
    return unpatchify(linear(p.unpatch, y) as T3, c, h, w, patch)
  },
)

/** The DiT's sizes: the generators' and the patch side. */
export interface DitSizes extends GeneratorSizes {
  patch: number
}

/** 2-D sin-cos positions [T, D] of a g×g token grid (half the features for the row, half for the column). */
function sinCosPositions(g: number, d: number): Mat {
  const t = iota([g * g], 0, 'f32')
  const row = t.div(g).floor()
  const col = t.sub(row.mul(g))
  const quarter = d / 4
  const omega = iota([1, quarter], 1, 'f32')
    .mul(-Math.log(10000) / quarter)
    .exp()
  const axis = (v: Vec) => {
    const angles = v.reshape([g * g, 1]).mul(omega)
    return concat([sin(angles), cos(angles)], 1)
  }
  return concat([axis(row), axis(col)], 1) as Mat
}

/** A new DiT: He/Xavier weights from `key`, 2-D sin-cos positions, and every modulation and the output map zero. */
export const initDit = dsl(
  (key: Key, s: DitSizes): DitParams => {
    const { width: d, patch } = s
    const tokens = (s.size / patch) ** 2
    const patchIn = s.channels * patch * patch
    const hidden = s.mlpRatio * d
    const k = (i: number) => foldIn(key, i)
    let blocks: DitBlock[] = []
    for (let i = 0; i < s.depth; i++)
      blocks = [
        ...blocks,
        {
          norm1: { scale: ones([d]) },
          attn: initAttention(foldIn(k(10), i), d),
          norm2: { scale: ones([d]) },
          mlpIn: initLinear(foldIn(k(11), i), d, hidden, 'he'),
          mlpOut: initLinear(foldIn(k(12), i), hidden, d, 'lecun'),
          modulation: zeroInit(d, 6 * d),
        },
      ]
    return {
      patchEmbed: initLinear(k(0), patchIn, d, 'lecun'),
      positions: sinCosPositions(s.size / patch, d).reshape([tokens, d]) as Mat,
      condition: initCondition(key, d, s.classes, s.styles, s.codebook),
      blocks,
      finalModulation: zeroInit(d, 2 * d),
      finalNorm: { scale: ones([d]) },
      unpatch: zeroInit(d, patchIn),
    }
  },
  { static: ['s'] },
)
