/**
 * Parameter initializers driven by counter-based keys: every layer draws from its own key
 * `foldIn(key, i)`, so a pytree is a pure function of (key, sizes) on every backend.
 * Weights are normal with a fan-in/fan-out rule; biases and norm shifts are 0, norm scales 1.
 *
 * | scheme   | std            | for layers followed by |
 * |----------|----------------|------------------------|
 * | `he`     | √(2 / fanIn)   | ReLU, SiLU, GELU (Kaiming normal) |
 * | `lecun`  | √(1 / fanIn)   | linear outputs, tanh-free SELU-style nets |
 * | `xavier` | √(2 / (fanIn + fanOut)) | tanh / sigmoid (Glorot normal) |
 *
 * For a linear layer fanIn = in, fanOut = out; for a convolution fanIn = C_in·kh·kw, fanOut = C_out·kh·kw.
 */
import { dsl, foldIn, ones, randomNormal, zeros, type Key } from '../../dsl/index.js'
import type { LinearParams } from './linear.js'
import type { ConvParams } from './conv.js'
import type { NormParams } from './groupNorm.js'
import type { BasicBlockParams } from './resnetBlock.js'
import type { AttentionParams } from './attention.js'

export type InitScheme = 'he' | 'lecun' | 'xavier'

/** The standard deviation of a scheme (table above). */
export const initStd = (scheme: InitScheme, fanIn: number, fanOut: number): number =>
  scheme === 'xavier'
    ? Math.sqrt(2 / (fanIn + fanOut))
    : scheme === 'lecun'
      ? Math.sqrt(1 / fanIn)
      : Math.sqrt(2 / fanIn)

/** Dense layer: W ~ N(0, std²) [fanIn, fanOut], b = 0. */
export const initLinear = dsl(
  (key: Key, fanIn: number, fanOut: number, scheme: InitScheme = 'he'): LinearParams => ({
    w: randomNormal(key, [fanIn, fanOut]).mul(initStd(scheme, fanIn, fanOut)),
    b: zeros([fanOut]),
  }),
  { static: ['fanIn', 'fanOut', 'scheme'] },
)

/** Zero-initialized dense layer (W = 0, b = 0): an output layer whose network starts as the constant 0. */
export const zeroInit = dsl(
  (fanIn: number, fanOut: number): LinearParams => ({ w: zeros([fanIn, fanOut]), b: zeros([fanOut]) }),
  {
    static: ['fanIn', 'fanOut'],
  },
)

/**
 * MLP with layer sizes [in, h₁, …, out]: layer i drawn with foldIn(key, i) and `scheme`
 * (He by default: hidden activations ReLU/SiLU); `zeroOutput` makes the last layer zeroInit.
 */
export const initMlp = dsl(
  (key: Key, sizes: number[], scheme: InitScheme = 'he', zeroOutput = false): LinearParams[] =>
    sizes
      .slice(1)
      .map((out, i) =>
        zeroOutput && i === sizes.length - 2
          ? zeroInit(sizes[i], out)
          : initLinear(foldIn(key, i), sizes[i], out, scheme),
      ),
  { static: ['sizes', 'scheme', 'zeroOutput'] },
)

/** Convolution: W ~ N(0, 2 / (C_in·k²)) [C_out, C_in, k, k] (He, the layer feeds a ReLU), b = 0. */
export const initConv = dsl(
  (key: Key, cin: number, cout: number, k: number): ConvParams => ({
    w: randomNormal(key, [cout, cin, k, k]).mul(initStd('he', cin * k * k, cout * k * k)),
    b: zeros([cout]),
  }),
  { static: ['cin', 'cout', 'k'] },
)

/** Normalization affine parameters: scale = 1, shift = 0 (GroupNorm, LayerNorm; RMSNorm uses scale only). */
export const initNorm = dsl((channels: number): NormParams => ({ scale: ones([channels]), shift: zeros([channels]) }), {
  static: ['channels'],
})

/** Basic ResNet block: conv1 (3×3, key 0), conv2 (3×3, key 1), and a 1×1 projection (key 2) when stride ≠ 1 or cin ≠ cout. */
export const initBasicBlock = dsl(
  (key: Key, cin: number, cout: number, stride: number): BasicBlockParams => ({
    conv1: initConv(foldIn(key, 0), cin, cout, 3),
    norm1: initNorm(cout),
    conv2: initConv(foldIn(key, 1), cout, cout, 3),
    norm2: initNorm(cout),
    ...(stride !== 1 || cin !== cout
      ? { proj: { conv: initConv(foldIn(key, 2), cin, cout, 1), norm: initNorm(cout) } }
      : {}),
  }),
  { static: ['cin', 'cout', 'stride'] },
)

/** Embedding table [vocab, dim] ~ N(0, std²) (std = 1 by default, as torch.nn.Embedding). */
export const initEmbedding = dsl(
  (key: Key, vocab: number, dim: number, std = 1) => randomNormal(key, [vocab, dim]).mul(std),
  {
    static: ['vocab', 'dim', 'std'],
  },
)

/** Multi-head attention projections, each [D, D] ~ N(0, 1 / D) (Xavier: fanIn = fanOut = D), keys 0…3 for Wq, Wk, Wv, Wo. */
export const initAttention = dsl(
  (key: Key, dim: number): AttentionParams => {
    const w = (i: number) => randomNormal(foldIn(key, i), [dim, dim]).mul(initStd('xavier', dim, dim))
    return { wq: w(0), wk: w(1), wv: w(2), wo: w(3) }
  },
  { static: ['dim'] },
)
