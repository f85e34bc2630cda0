/**
 * The image pipeline's one-step generator, either architecture (docs/mnist.md): `mlp`, a residual
 * MLP over the whole image (mlpGenerator.ts, the default), or `dit`, the paper's small DiT (dit.ts).
 * Both take noise of the image's shape with the class, the style indices and α, share the
 * condition vector (condition.ts) and output exactly 0 at initialization.
 */
import { dsl, randomKey, type f32, type Mat, type Scalar, type T4, type Vec } from '../../dsl/index.js'
import { generateDit, initDit, type DitParams, type DitSizes } from './dit.js'
import { generateMlp, initMlpGenerator, type MlpGeneratorParams } from './mlpGenerator.js'

export const GENERATORS = ['mlp', 'dit'] as const
export type GeneratorKind = (typeof GENERATORS)[number]

export type GeneratorParams = MlpGeneratorParams | DitParams

/** x = G(noise | class, styles, α) with the generator `kind` (a compile-time constant). */
export const generate = dsl(
  (
    kind: GeneratorKind,
    p: GeneratorParams,
    noise: T4,
    labels: Vec<'i32'>,
    styles: Mat<'i32'>,
    alpha: Vec,
    alphaScale: f32 | Scalar = 1,
  ): T4 =>
    kind === 'mlp'
      ? generateMlp(p as MlpGeneratorParams, noise, labels, styles, alpha, alphaScale)
      : generateDit(p as DitParams, noise, labels, styles, alpha, alphaScale),
  { static: ['kind'] },
)

/** A new generator of `kind` from randomKey(seed): the DiT reads every size, the MLP all but the patch. */
export const initGenerator = (kind: GeneratorKind, seed: number, s: DitSizes): Promise<GeneratorParams> =>
  kind === 'mlp' ? initMlpGenerator.run(randomKey(seed), s) : initDit.run(randomKey(seed), s)
