/**
 * The GPU benchmark's workloads: what bench/gpu/pack.ts compiles ahead of time and bench/gpu/bench.py
 * runs on drift webgpu and on PyTorch (eager and torch.compile). Each names its DSL function, the
 * argument specs it is compiled for, how its inputs are drawn (runner.ts draws them, bench.py reads
 * the same files) and which outputs the two must agree on.
 */
import type { ArgSpec } from '../../compiler/frontend/specialize.js'
import { fieldFlops } from '../workloads/field-impls.js'

/** How an input is drawn: standard normal from a seed times a scale, a constant tensor, or a scalar. */
export type InputRule =
  { shape: number[]; seed: number; scale: number } | { shape: number[]; fill: number } | { scalar: number }

export interface GpuWorkload {
  /** Folder and key: `field-N2048-D2`. */
  id: string
  kind: 'field' | 'loss' | 'matmul' | 'train'
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

/** The workloads at full size (the GPU machine), or small ones for a run on a CPU (`--quick`). */
export function gpuWorkloads(root: string, quick: boolean): GpuWorkload[] {
  const ns = quick ? [256] : [2048, 8192, 32768]
  return [
    ...ns.flatMap((n) => [field(root, n, 2), field(root, n, 64)]),
    ...ns.flatMap((n) => [loss(root, n, 2), loss(root, n, 64)]),
    matmul(root, quick ? 256 : 4096),
    train(root, quick ? 256 : 2048),
  ]
}
