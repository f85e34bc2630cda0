/**
 * The GPU benchmark's workloads: what bench/gpu/pack.ts compiles ahead of time and bench/gpu/bench.py
 * runs on drift webgpu and on PyTorch (eager and torch.compile). Each names its DSL function, the
 * argument specs it is compiled for, how its inputs are drawn (runner.ts draws them, bench.py reads
 * the same files) and which outputs the two must agree on.
 */
import type { ArgSpec } from '../../compiler/frontend/specialize.js'
import { fieldFlops } from '../workloads/field-impls.js'

/**
 * How an input is drawn: standard normal from a seed times a scale, a constant tensor, a scalar, or
 * int32 integers uniform in [0, below) from a seed.
 */
export type InputRule =
  | { shape: number[]; seed: number; scale: number }
  | { shape: number[]; fill: number }
  | { scalar: number }
  | { shape: number[]; seed: number; below: number }

export interface GpuWorkload {
  /** Folder and key: `field-N2048-D2`. */
  id: string
  kind: 'field' | 'loss' | 'matmul' | 'train' | 'mnist-step'
  size: Record<string, number>
  file: string
  fn: string
  args: ArgSpec[]
  /** Parameter names of the entry point (the manifest's argument paths start with them). */
  names: string[]
  inputs: InputRule[]
  /** Flattened outputs compared with PyTorch's (indices into the entry's output leaves). */
  compared: number[]
  flops: number
}

const T = (shape: number[]): ArgSpec => ({ tag: 'tensor', aval: { shape, dtype: 'f32' } })
const fn = (file: string, exportName: string): ArgSpec => ({ tag: 'fn', ref: { file, exportName } })
const normal = (shape: number[], seed: number, scale = 1): InputRule => ({ shape, seed, scale })
const fill = (shape: number[], value: number): InputRule => ({ shape, fill: value })
const TAU = 0.05
/** driftLoss's unconditional negatives and their CFG weight, as in bench/workloads/loss.ts. */
const CN = 16
const W = 1.5
/** The toy generator: MLP 32 → 256 → 256 → 256 → 2 (SiLU), Adam lr 1e-3. */
const MLP = [32, 256, 256, 256, 2]

function field(root: string, n: number, d: number): GpuWorkload {
  return {
    id: `field-N${n}-D${d}`,
    kind: 'field',
    size: { N: n, D: d },
    file: `${root}/stdlib/fields/paper.ts`,
    fn: 'paperField',
    args: [T([n, d]), T([n, d]), T([n, d]), T([])],
    names: ['x', 'pos', 'neg', 'tau'],
    inputs: [normal([n, d], 1), normal([n, d], 2), normal([n, d], 3), { scalar: TAU }],
    compared: [0],
    flops: fieldFlops(n, n, n, d),
  }
}

function loss(root: string, n: number, d: number): GpuWorkload {
  const ct = 2 * n + CN
  return {
    id: `loss-N${n}-D${d}`,
    kind: 'loss',
    size: { N: n, D: d },
    file: `${root}/stdlib/fields/driftLoss.ts`,
    fn: 'driftLoss',
    args: [T([1, n, d]), T([1, CN, d]), T([1, n, d]), T([1])],
    names: ['gen', 'fixedNeg', 'fixedPos', 'w'],
    inputs: [normal([1, n, d], 1), normal([1, CN, d], 2), normal([1, n, d], 3), fill([1], W)],
    compared: [0, 1],
    flops: n * ct * (9 * d + 45),
  }
}

function matmul(root: string, n: number): GpuWorkload {
  return {
    id: `matmul-${n}`,
    kind: 'matmul',
    size: { N: n },
    file: `${root}/bench/workloads/programs.ts`,
    fn: 'matmul',
    args: [T([n, n]), T([n, n])],
    names: ['a', 'b'],
    inputs: [normal([n, n], 1), normal([n, n], 2)],
    compared: [0],
    flops: 2 * n ** 3,
  }
}

function train(root: string, batch: number): GpuWorkload {
  const layers = MLP.slice(1).map((o, i) => [MLP[i], o])
  const params: ArgSpec = {
    tag: 'array',
    items: layers.map(([i, o]) => ({
      tag: 'object',
      fields: [
        ['w', T([i, o])],
        ['b', T([o])],
      ],
    })),
  }
  const state: ArgSpec = {
    tag: 'object',
    fields: [
      ['step', T([])],
      ['m', params],
      ['v', params],
    ],
  }
  // He-initialized weights (every gradient nonzero), zero biases, a fresh Adam state
  const weights = layers.flatMap(([i, o], l) => [normal([i, o], 10 + l, Math.sqrt(2 / i)), fill([o], 0)])
  const zeros = layers.flatMap(([i, o]) => [fill([i, o], 0), fill([o], 0)])
  const macs = layers.reduce((s, [i, o]) => s + i * o, 0)
  return {
    id: `train-B${batch}`,
    kind: 'train',
    size: { B: batch },
    file: `${root}/stdlib/toy2d/step.ts`,
    fn: 'trainStep',
    args: [
      params,
      state,
      T([batch, MLP[0]]),
      T([batch, 2]),
      T([]),
      T([]),
      fn(`${root}/stdlib/fields/paper.ts`, 'paperField'),
      T([]),
      T([]),
    ],
    names: ['params', 'state', 'noise', 'data', 'tau', 'lr', 'field', 'beta1', 'beta2'],
    inputs: [
      ...weights,
      { scalar: 0 },
      ...zeros,
      ...zeros,
      normal([batch, MLP[0]], 1),
      normal([batch, 2], 2),
      { scalar: TAU },
      { scalar: 1e-3 },
      { scalar: 0.9 },
      { scalar: 0.999 },
    ],
    // the loss and Adam's first moments (the updated parameters' sign is arbitrary where a gradient is ≈ 0)
    compared: [0, ...Array.from({ length: 2 * layers.length }, (_, k) => 1 + 2 * layers.length + 1 + k)],
    flops: 6 * batch * macs + fieldFlops(batch, batch, batch, 2),
  }
}

/** A parameter tree's leaf: its spec and how it is drawn. */
interface Leaf {
  spec: ArgSpec
  rule: InputRule
}
type Tree = Leaf | Tree[] | { [key: string]: Tree }
const isLeaf = (t: Tree): t is Leaf => 'spec' in t && 'rule' in t

/** A tree's argument spec (fields in the tree's order, the manifest's order). */
const specOf = (t: Tree): ArgSpec =>
  isLeaf(t)
    ? (t.spec as ArgSpec)
    : Array.isArray(t)
      ? { tag: 'array', items: t.map(specOf) }
      : { tag: 'object', fields: Object.entries(t).map(([k, v]) => [k, specOf(v)]) }
/** A tree's input rules, its leaves in order. */
const rulesOf = (t: Tree): InputRule[] =>
  isLeaf(t) ? [t.rule] : (Array.isArray(t) ? t : Object.values(t)).flatMap(rulesOf)

/** The image pipeline's sizes: MNIST padded to 32², 10 classes, 32 style tokens of 64 entries. */
const IMAGE = { side: 32, classes: 10, styles: 32, codebook: 64 }

/**
 * The parameters of the MLP generator and of the encoder (stdlib/mnist/mlpGenerator.ts, encoder.ts),
 * drawn as their initializers draw them, from seeds counted up from `seed`: weights normal with
 * their He or LeCun std, biases and norm shifts 0, norm scales 1, the zero-initialized output layer
 * normal with std 0.1/√D so that every gradient is nonzero.
 */
function mnistParams(seed: number, width: number, depth: number, mlpRatio: number): { gen: Tree; enc: Tree } {
  let next = seed
  const w = (shape: number[], std: number): Leaf => ({ spec: T(shape), rule: normal(shape, next++, std) })
  const c = (shape: number[], value: number): Leaf => ({ spec: T(shape), rule: fill(shape, value) })
  const lin = (i: number, o: number, std: number) => ({ w: w([i, o], std), b: c([o], 0) })
  const conv = (i: number, o: number, k: number) => ({ w: w([o, i, k, k], Math.sqrt(2 / (i * k * k))), b: c([o], 0) })
  const norm = (ch: number) => ({ scale: c([ch], 1), shift: c([ch], 0) })
  const pixels = IMAGE.side ** 2
  const d = width
  const gen: Tree = {
    noiseIn: lin(pixels, d, Math.sqrt(1 / pixels)),
    condition: {
      classEmbed: w([IMAGE.classes, d], 1),
      styleEmbed: w([IMAGE.styles * IMAGE.codebook, d], 1 / Math.sqrt(IMAGE.styles)),
      alphaIn: lin(16, d, Math.sqrt(2 / 16)),
      alphaOut: lin(d, d, Math.sqrt(1 / d)),
      alphaNorm: { scale: c([d], 1) },
    },
    blocks: Array.from({ length: depth }, () => ({
      norm: { scale: c([d], 1) },
      fc1: lin(d, mlpRatio * d, Math.sqrt(2 / d)),
      fc2: lin(mlpRatio * d, d, Math.sqrt(1 / (mlpRatio * d))),
    })),
    finalNorm: { scale: c([d], 1) },
    out: lin(d, pixels, 0.1 / Math.sqrt(d)),
  }
  // the encoder of `drift train mae`'s defaults: width 8, 4 stages of 1 basic block
  const widths = [8, 16, 32, 64]
  const enc: Tree = {
    stem: { conv: conv(1, widths[0], 3), norm: norm(widths[0]) },
    stages: widths.map((o, s) => {
      const i = widths[Math.max(0, s - 1)]
      const block = { conv1: conv(i, o, 3), norm1: norm(o), conv2: conv(o, o, 3), norm2: norm(o) }
      return [s === 0 ? block : { ...block, proj: { conv: conv(i, o, 1), norm: norm(o) } }]
    }),
  }
  return { gen, enc }
}

/** A tree of the same shapes, every leaf the constant `value` (Adam's moments). */
const constLike = (t: Tree, value: number): Tree =>
  isLeaf(t)
    ? { spec: t.spec, rule: fill((t.spec as { aval: { shape: number[] } }).aval.shape, value) }
    : Array.isArray(t)
      ? t.map((x) => constLike(x, value))
      : Object.fromEntries(Object.entries(t).map(([k, v]) => [k, constLike(v, value)]))

/** The number of leaves of a tree. */
const count = (t: Tree): number => rulesOf(t).length

/**
 * The multiply-adds of a step's matrix products and convolutions, ×2: the generator and the encoder
 * on the generated images forward and backward (×3), the encoder on the real samples forward.
 */
function mnistFlops(generated: number, real: number, width: number, depth: number, mlpRatio: number): number {
  const pixels = IMAGE.side ** 2
  const gen = 2 * pixels * width + 2 * depth * mlpRatio * width ** 2
  // per image: the stem on 32², then a stage per map size (3×3 convolutions, a 1×1 projection from stage 2 on)
  const widths = [8, 16, 32, 64]
  const enc =
    pixels * 9 * widths[0] +
    widths.reduce((s, o, k) => {
      const i = widths[Math.max(0, k - 1)]
      return s + (pixels / 4 ** k) * (9 * i * o + 9 * o * o + (k > 0 ? i * o : 0))
    }, 0)
  return 2 * (3 * generated * (gen + enc) + real * enc)
}

/**
 * One training step of the image pipeline (stdlib/mnist/driftStep.ts) at drift train mnist's
 * defaults (DRIFT_DEFAULTS): the MLP generator of width 256, depth 2, MLP ratio 2, `groups` class
 * groups of 8 generated images, 8 positives and 4 unconditional samples each, the encoder of
 * `drift train mae`, the drift loss on every feature key, AdamW after clipping, the EMA.
 */
function mnistStep(root: string, groups: number): GpuWorkload {
  const [nNeg, nPos, nUnc] = [8, 8, 4]
  const [width, depth, mlpRatio] = [256, 2, 2]
  const { gen, enc } = mnistParams(100, width, depth, mlpRatio)
  const scalar = (v: number): Leaf => ({ spec: T([]), rule: { scalar: v } })
  // Adam's state after some steps: moments that make the update a smooth function of the gradient
  const state: Tree = {
    params: gen,
    adam: { step: scalar(10), m: constLike(gen, 0), v: constLike(gen, 1e-6) },
    ema: gen,
  }
  const b = groups * nNeg
  const img = (n: number) => [n, 1, IMAGE.side, IMAGE.side]
  const data = (shape: number[], seed: number): Leaf => ({ spec: T(shape), rule: normal(shape, seed) })
  const ints = (shape: number[], seed: number, below: number): Leaf => ({
    spec: { tag: 'tensor', aval: { shape, dtype: 'i32' } },
    rule: { shape, seed, below },
  })
  // α = 2 for every group: the CFG weight (α − 1)(N_neg − 1)/N_unc
  const alpha = 2
  const batch: Tree = {
    noise: data(img(b), 1),
    labels: ints([b], 2, IMAGE.classes),
    styles: ints([b, IMAGE.styles], 3, IMAGE.codebook),
    alpha: { spec: T([b]), rule: fill([b], alpha) },
    positives: data(img(groups * nPos), 4),
    uncond: data(img(groups * nUnc), 5),
    w: { spec: T([groups]), rule: fill([groups], ((alpha - 1) * (nNeg - 1)) / nUnc) },
  }
  const hyper: Tree = {
    lr: scalar(2e-3),
    warmup: scalar(20),
    weightDecay: scalar(0.01),
    beta1: scalar(0.9),
    beta2: scalar(0.95),
    clip: scalar(2),
    emaDecay: scalar(0.999),
    alphaScale: scalar(1),
  }
  // outputs: state.params, state.adam (step, m, v), state.ema, loss, perTemperature…, gradNorm (last)
  const p = count(gen)
  const loss = 3 * p + 1 + p
  const outW = p - 2
  return {
    id: `mnist-step-G${groups}`,
    kind: 'mnist-step',
    size: { G: groups, depth },
    file: `${root}/stdlib/mnist/driftStep.ts`,
    fn: 'driftStep',
    args: [specOf(state), specOf(enc), specOf(batch), specOf(hyper), { tag: 'static', value: 'mlp' }],
    names: ['s', 'encoder', 'b', 'h', 'generator'],
    inputs: [...rulesOf(state), ...rulesOf(enc), ...rulesOf(batch), ...rulesOf(hyper)],
    // the loss, the output layer's new weights and first moment, the noise layer's first moment
    compared: [loss, outW, p + 1 + outW, p + 1],
    flops: mnistFlops(groups * nNeg, groups * (nPos + nUnc), width, depth, mlpRatio),
  }
}

/** The workloads at full size (the GPU machine), or small ones for a run on a CPU (`--quick`). */
export function gpuWorkloads(root: string, quick: boolean): GpuWorkload[] {
  const ns = quick ? [256] : [2048, 8192, 32768]
  return [
    ...ns.flatMap((n) => [field(root, n, 2), field(root, n, 64)]),
    ...ns.flatMap((n) => [loss(root, n, 2), loss(root, n, 64)]),
    matmul(root, quick ? 256 : 4096),
    train(root, quick ? 256 : 2048),
    mnistStep(root, quick ? 2 : 10),
  ]
}
