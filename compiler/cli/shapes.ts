/** Parsing `--shapes x=64x2,pos=128x2,idx=64:i32` and `--static n=3` into argument specs. */
import type { DType } from '../ir/types.js'
import type { ArgSpec } from '../frontend/specialize.js'

/** A flag or argument the command cannot use: the command line prints its message as one `drift:` line. */
export class UsageError extends Error {
  override name = 'UsageError'
}

export interface ParsedShape {
  shape: number[]
  dtype: DType
}

/** The most elements a tensor may have: kernels index buffers with 32-bit integers. */
export const MAX_ELEMENTS = 2 ** 31 - 1

/** `64x2`, `64x2:i32`, `scalar`, `[]` (a scalar). */
export function parseShape(text: string, name: string): ParsedShape {
  const [dims, dtypeText = 'f32'] = text.split(':')
  if (dtypeText !== 'f32' && dtypeText !== 'i32' && dtypeText !== 'bool')
    throw new UsageError(`bad dtype '${dtypeText}' for '${name}': use f32, i32 or bool, e.g. ${name}=64x2:i32`)
  if (dims === '')
    throw new UsageError(
      `no shape for '${name}': write its sizes, e.g. ${name}=64x2, or ${name}=scalar for a rank-0 tensor`,
    )
  if (dims === 'scalar' || dims === '[]') return { shape: [], dtype: dtypeText }
  const shape = dims.split('x').map((d) => (/^\d+$/.test(d) ? Number(d) : NaN))
  if (shape.some((d) => !Number.isSafeInteger(d) || d <= 0))
    throw new UsageError(
      `bad shape '${text}' for '${name}': sizes are positive integers joined by x, e.g. ${name}=64x2`,
    )
  if (shape.reduce((a, b) => a * b, 1) > MAX_ELEMENTS)
    throw new UsageError(
      `shape '${text}' for '${name}' has ${shape.reduce((a, b) => a * b, 1).toExponential(2)} elements, over the limit of 2^31 − 1 (kernels index with 32-bit integers)`,
    )
  return { shape, dtype: dtypeText }
}

/** `a=1,b=2`: entries whose names may be dotted paths into pytree parameters (params.w1=32x256). */
export function parseAssignments(text: string | undefined, flag: string): Map<string, string> {
  const out = new Map<string, string>()
  if (!text) return out
  for (const entry of text.split(',').filter(Boolean)) {
    const eq = entry.indexOf('=')
    if (eq <= 0) throw new UsageError(`bad ${flag} entry '${entry}': write name=value, e.g. x=64x2`)
    out.set(entry.slice(0, eq).trim(), entry.slice(eq + 1).trim())
  }
  return out
}

function staticValue(text: string): ArgSpec {
  if (text === 'true' || text === 'false') return { tag: 'static', value: text === 'true' }
  const n = Number(text)
  return { tag: 'static', value: Number.isFinite(n) && text !== '' ? n : text }
}

/** Build the spec of one parameter from the flags; dotted names build objects. */
export function specFor(
  param: string,
  shapes: Map<string, string>,
  statics: Map<string, string>,
  isScalarType: boolean,
): ArgSpec | undefined {
  if (statics.has(param)) return staticValue(statics.get(param)!)
  if (shapes.has(param)) {
    const { shape, dtype } = parseShape(shapes.get(param)!, param)
    return { tag: 'tensor', aval: { shape, dtype } }
  }
  const prefix = param + '.'
  const keys = [
    ...new Set(
      [...shapes.keys(), ...statics.keys()]
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length).split('.')[0]),
    ),
  ]
  if (keys.length) {
    const fields = keys.map((k): [string, ArgSpec] => [k, specFor(prefix + k, shapes, statics, false)!])
    return /^\d+$/.test(keys[0])
      ? { tag: 'array', items: fields.sort((a, b) => +a[0] - +b[0]).map(([, s]) => s) }
      : { tag: 'object', fields }
  }
  return isScalarType ? { tag: 'tensor', aval: { shape: [], dtype: 'f32' } } : undefined
}
