/** The tiny generators the generator's tests use, and their parameters made non-zero so every path carries a gradient. */
import { Tensor } from '../dsl/index.js'
import type { DitSizes } from '../stdlib/mnist/dit.js'
import { initGenerator, type GeneratorKind } from '../stdlib/mnist/generator.js'
import { randn } from './helpers.js'

/** The sizes of both tiny generators (the MLP ignores the patch). */
export const TINY_GENERATOR: DitSizes = {
  channels: 1,
  size: 8,
  patch: 4,
  width: 32,
  depth: 1,
  mlpRatio: 2,
  classes: 3,
  styles: 4,
  codebook: 5,
}

/** Every float32 leaf of a tree plus N(0, 0.1²) noise from `r` (the zero-initialized layers included). */
export function jitter(v: unknown, r: () => number): unknown {
  if (v instanceof Tensor)
    return v.dtype === 'f32'
      ? new Tensor(
          Float32Array.from(v.data, (x) => x + 0.1 * randn([1], r).data[0]),
          v.shape,
          'f32',
        )
      : v
  if (Array.isArray(v)) return v.map((x) => jitter(x, r))
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jitter(x, r)]))
  return v
}

/** The tiny generator's parameters from its initializer (seed 7), jittered when `perturb`. */
export async function tinyGeneratorParams(
  r: () => number,
  perturb: boolean,
  kind: GeneratorKind = 'dit',
): Promise<unknown> {
  const p = await initGenerator(kind, 7, TINY_GENERATOR)
  return perturb ? jitter(p, r) : p
}
