/**
 * Plans as JSON text. JSON has no ±Infinity or NaN (a max starts at −∞), so those numbers are
 * written as tagged strings and read back as numbers.
 */
import type { Plan } from './types.js'

const TAG = '#number:'

export const planToJson = (plan: Plan): string =>
  JSON.stringify(plan, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? `${TAG}${v}` : v))

export const planFromJson = (text: string): Plan =>
  JSON.parse(text, (_, v) => (typeof v === 'string' && v.startsWith(TAG) ? Number(v.slice(TAG.length)) : v)) as Plan
