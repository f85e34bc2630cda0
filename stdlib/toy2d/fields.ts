/**
 * The drifting fields the toy trainer can use (host code): by catalog name, every field of
 * stdlib/fields/catalog.ts that takes (x, pos, neg, tau) and nothing else; or the user's own, named
 * `path/to/file.ts:exportName` (stdlib/train/functionSetting.ts).
 */
import { FIELDS } from '../fields/catalog.js'
import { tensor, type DslFunction, type Mat } from '../../dsl/index.js'
import { OWN_FUNCTION, functionFromFile, isFileReference } from '../train/functionSetting.js'
import type { Field } from './step.js'
import * as paper from '../fields/paper.js'
import * as normalization from '../fields/normalization.js'
import * as split from '../fields/split.js'
import * as scaled from '../fields/scaled.js'
import * as gaussian from '../fields/gaussian.js'
import * as kernelGradient from '../fields/kernelGradient.js'
import * as sharp from '../fields/sharp.js'
import * as matern from '../fields/matern.js'
import * as mmd from '../fields/mmd.js'
import * as biasCorrection from '../fields/biasCorrection.js'
import { RunError } from '../train/errors.js'

const MODULES: Record<string, Record<string, unknown>> = {
  'paper.ts': paper,
  'normalization.ts': normalization,
  'split.ts': split,
  'scaled.ts': scaled,
  'gaussian.ts': gaussian,
  'kernelGradient.ts': kernelGradient,
  'sharp.ts': sharp,
  'matern.ts': matern,
  'mmd.ts': mmd,
  'biasCorrection.ts': biasCorrection,
}

/** Catalog fields with no argument after tau, in catalog order. */
export const FIELD_NAMES: string[] = FIELDS.filter((f) => f.extra(2).length === 0).map((f) => f.name)

/** The DSL function of a field by catalog name. */
export function fieldByName(name: string): DslFunction<Field> {
  const entry = FIELDS.find((f) => f.name === name)
  if (!entry) throw new RunError(`unknown field '${name}': choose one of ${FIELD_NAMES.join(', ')}, ${OWN_FUNCTION}`)
  if (!FIELD_NAMES.includes(name))
    throw new RunError(
      `field '${name}' takes arguments after (x, pos, neg, tau), which the toy trainer does not set: choose one of ${FIELD_NAMES.join(', ')}`,
    )
  const fn = MODULES[entry.file]?.[name]
  if (typeof fn !== 'function')
    throw new Error(
      `internal: the catalog lists ${name} in stdlib/fields/${entry.file}, but the toy trainer does not import it`,
    )
  return fn as DslFunction<Field>
}

/** The field a config names: a catalog field, or the user's own, whose file must still have the SHA-256 the run recorded. */
export async function fieldOf(c: {
  field: string
  fieldSha256?: string
}): Promise<{ fn: DslFunction<Field>; sha256?: string }> {
  if (!isFileReference(c.field)) return { fn: fieldByName(c.field) }
  return functionFromFile<Field>('field', c.field, c.fieldSha256)
}

/**
 * Compile a field once on small inputs (x 4×2, pos 5×2, neg 4×2) and check that it gives every
 * point of x a 2-D drift: what a run does with the user's own field before it writes anything.
 */
export async function checkField(fn: DslFunction<Field>, name: string): Promise<void> {
  const points = (n: number) => tensor(new Float32Array(2 * n), [n, 2]) as Mat
  const { graph } = await fn.lower(points(4), points(5), points(4), 0.1)
  const shapes = graph.outputs.map((o) => `${o.dtype}[${o.kind === 'var' ? o.shape.join(',') : ''}]`)
  if (shapes.join(' ') !== 'f32[4,2]')
    throw new RunError(
      `field ${name} returns ${shapes.join(', ') || 'nothing'} for x f32[4,2]: a field gives every point of x its drift, f32[n,2] for x f32[n,2]`,
    )
}
