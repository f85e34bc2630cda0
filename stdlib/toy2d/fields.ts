/**
 * The drifting fields the toy trainer can use, by their catalog name (host code): every field of
 * stdlib/fields/catalog.ts that takes (x, pos, neg, tau) and nothing else.
 */
import { FIELDS } from '../fields/catalog.js'
import type { DslFunction } from '../../dsl/index.js'
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
  if (!entry) throw new RunError(`unknown field '${name}': choose one of ${FIELD_NAMES.join(', ')}`)
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
