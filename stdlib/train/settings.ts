/**
 * The settings of a training program (host code): defaults, then each layer given (a config
 * file's object, the flags), every key checked. An unknown key or a bad value is a RunError whose
 * message says what is expected.
 */
import { RunError } from './errors.js'

/** Why `v` is not a good value for `key`, or undefined. */
export type SettingCheck<C> = (key: keyof C, v: unknown) => string | undefined

export function resolveSettings<C extends object>(defaults: C, check: SettingCheck<C>, layers: object[]): C {
  const keys = Object.keys(defaults) as (keyof C & string)[]
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) }
  for (const layer of layers)
    for (const [key, v] of Object.entries(layer as Record<string, unknown>)) {
      if (v === undefined) continue
      if (!(keys as string[]).includes(key))
        throw new RunError(`unknown setting '${key}': the settings are ${keys.join(', ')}`)
      out[key] = v
    }
  for (const key of keys) {
    const problem = check(key, out[key])
    if (problem) throw new RunError(problem)
  }
  return out as C
}

// The common checks: each returns why the value is wrong, or undefined.

/** An integer count of at least `min` (0, 1, 2, …) and at most `max`. */
export const isCount = (key: string, v: unknown, min: number, max = Infinity): string | undefined => {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return undefined
  const kind = min === 0 ? 'a non-negative integer' : `a positive integer${min > 1 ? ` ≥ ${min}` : ''}`
  return `${key} must be ${kind}${max < Infinity ? ` ≤ ${max}` : ''}, got ${JSON.stringify(v)}`
}

export const isPositive = (key: string, v: unknown): string | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v > 0
    ? undefined
    : `${key} must be a positive number, got ${JSON.stringify(v)}`

/** A number in [0, 1) (a decay rate, a moment decay). */
export const isRate = (key: string, v: unknown): string | undefined =>
  typeof v === 'number' && v >= 0 && v < 1 ? undefined : `${key} must be a number in [0, 1), got ${JSON.stringify(v)}`

/** A number in [0, 1] (a probability, a fraction of the draws). */
export const isFraction = (key: string, v: unknown): string | undefined =>
  typeof v === 'number' && v >= 0 && v <= 1 ? undefined : `${key} must be a number in [0, 1], got ${JSON.stringify(v)}`

export const isNonNegative = (key: string, v: unknown): string | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0
    ? undefined
    : `${key} must be a non-negative number, got ${JSON.stringify(v)}`

/** One of `values` (names or numbers), listed in the message as "a, b or c". */
export const isOneOf = (key: string, v: unknown, values: readonly (string | number)[]): string | undefined =>
  values.includes(v as string | number)
    ? undefined
    : `${key} must be ${values.join(', ').replace(/, ([^,]*)$/, ' or $1')}, got ${JSON.stringify(v)}`

/** A list of integers of at least `min` each; `example` shows one in the message. */
export const isCountList = (
  key: string,
  v: unknown,
  min: number,
  nonEmpty: boolean,
  example: string,
): string | undefined =>
  Array.isArray(v) && (!nonEmpty || v.length > 0) && v.every((x) => isCount(key, x, min) === undefined)
    ? undefined
    : `${key} must be a${nonEmpty ? ' non-empty' : ''} list of ${min === 0 ? 'non-negative' : 'positive'} integers, e.g. ${example}, got ${JSON.stringify(v)}`

/** A seed of the counter-based random number generators. */
export const isSeed = (key: string, v: unknown): string | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 31
    ? undefined
    : `${key} must be an integer in [0, 2^31), got ${JSON.stringify(v)}`
