/**
 * Plans as JSON text. JSON has no ±Infinity or NaN (a max starts at −∞), so those numbers are
 * written as tagged strings and read back as numbers.
 */
import type { SourceLoc } from '../ir/types.js'
import type { Plan } from './types.js'

const TAG = '#number:'

/** `fileOf` rewrites the file of every source location (an artifact records them relative to its folder). */
export const planToJson = (plan: Plan, fileOf: (file: string) => string = (file) => file): string =>
  JSON.stringify(plan, (key, v) =>
    typeof v === 'number' && !Number.isFinite(v)
      ? `${TAG}${v}`
      : key === 'loc' && isLoc(v)
        ? { ...v, file: fileOf(v.file) }
        : v,
  )

const isLoc = (v: unknown): v is SourceLoc =>
  typeof v === 'object' && v !== null && typeof (v as SourceLoc).file === 'string'

export const planFromJson = (text: string): Plan =>
  JSON.parse(text, (_, v) => (typeof v === 'string' && v.startsWith(TAG) ? Number(v.slice(TAG.length)) : v)) as Plan
