/** From host arguments to the compiler's argument specs, the cache key, and flat input arrays. */
import type { NDArray } from '../ir/ndarray.js'
import type { AVal, DType } from '../ir/types.js'
import { sameShape, showAVal } from '../ir/shape.js'
import type { ArgSpec, FnRef, Specialized } from '../frontend/specialize.js'
import { isHostTensor, tensorProblem } from './hostTensor.js'

/** What the compiler needs to know about a DSL function object passed as an argument. */
export interface HasRef {
  readonly ref: FnRef
}
export const hasRef = (v: unknown): v is HasRef =>
  typeof v === 'function' && typeof (v as Partial<HasRef>).ref === 'object'

export function argSpec(v: unknown, isStatic: boolean, path: string): ArgSpec {
  if (isHostTensor(v)) {
    const problem = tensorProblem(v.data, v.shape, v.dtype)
    if (problem) throw new TypeError(`argument '${path}': ${problem}`)
    return { tag: 'tensor', aval: { shape: [...v.shape], dtype: v.dtype } }
  }
  if (typeof v === 'number')
    return isStatic ? { tag: 'static', value: v } : { tag: 'tensor', aval: { shape: [], dtype: 'f32' } }
  if (typeof v === 'boolean' || typeof v === 'string' || v === null || v === undefined)
    return { tag: 'static', value: v }
  if (hasRef(v)) return { tag: 'fn', ref: v.ref }
  if (Array.isArray(v)) return { tag: 'array', items: v.map((x, i) => argSpec(x, isStatic, `${path}[${i}]`)) }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
    return { tag: 'object', fields: Object.entries(v).map(([k, x]) => [k, argSpec(x, isStatic, `${path}.${k}`)]) }
  throw new TypeError(
    `argument '${path}' is ${typeof v === 'function' ? 'a plain JS function' : `a ${(v as object).constructor?.name ?? typeof v}`}: ` +
      'pass Tensors, numbers, booleans, strings, dsl(...) functions, or arrays/objects of them',
  )
}

/** The leaves that become graph inputs, in the order the frontend binds them. */
export function flattenInputs(v: unknown, spec: ArgSpec, out: NDArray[]): void {
  switch (spec.tag) {
    case 'tensor':
      if (isHostTensor(v)) out.push({ shape: [...v.shape], dtype: v.dtype as DType, data: v.data })
      else out.push({ shape: [], dtype: 'f32', data: Float64Array.of(v as number) })
      return
    case 'array':
      spec.items.forEach((s, i) => flattenInputs((v as unknown[])[i], s, out))
      return
    case 'object':
      spec.fields.forEach(([k, s]) => flattenInputs((v as Record<string, unknown>)[k], s, out))
      return
  }
}

/**
 * The first NaN or ±∞ among the traced values of an argument, as one line naming it, or undefined.
 * Every backend refuses such inputs the same way (the DSL cannot check traced values itself, and
 * backends differ on what max, min and comparisons make of NaN).
 */
export function nonFiniteInput(v: unknown, spec: ArgSpec, path: string): string | undefined {
  switch (spec.tag) {
    case 'tensor': {
      const data = isHostTensor(v) ? v.data : [v as number]
      for (let i = 0; i < data.length; i++)
        if (!Number.isFinite(data[i]))
          return (
            `argument '${path}' holds ${data[i]}${isHostTensor(v) ? ` at element ${i}` : ''}: ` +
            'inputs must be finite (mask with where(...) or a large finite value instead)'
          )
      return undefined
    }
    case 'array':
      return firstOf(spec.items.map((s, i) => () => nonFiniteInput((v as unknown[])[i], s, `${path}[${i}]`)))
    case 'object':
      return firstOf(
        spec.fields.map(
          ([k, s]) =>
            () =>
              nonFiniteInput((v as Record<string, unknown>)[k], s, `${path}.${k}`),
        ),
      )
    default:
      return undefined
  }
}

const firstOf = (checks: (() => string | undefined)[]): string | undefined => {
  for (const c of checks) {
    const r = c()
    if (r) return r
  }
  return undefined
}

/** The graph inputs that arguments of these specs bind, in the order the frontend binds them. */
function specAvals(specs: readonly ArgSpec[], out: AVal[] = []): AVal[] {
  for (const s of specs) {
    if (s.tag === 'tensor') out.push(s.aval)
    else if (s.tag === 'array') specAvals(s.items, out)
    else if (s.tag === 'object')
      specAvals(
        s.fields.map(([, f]) => f),
        out,
      )
  }
  return out
}

const countDefaults = (specs: readonly ArgSpec[]): number => specs.filter((s) => s.tag === 'default').length

/**
 * Why a specialization (one read back from the disk cache) cannot serve a call with these specs,
 * or undefined: its graph must take exactly the caller's leaves, then one f32 scalar per number
 * default of a parameter the caller left out.
 */
export function signatureProblem(s: Specialized, specs: readonly ArgSpec[]): string | undefined {
  if (s.defaults.length > countDefaults(specs))
    return `it supplies ${s.defaults.length} defaults, the call leaves out ${countDefaults(specs)} parameters`
  const want = [...specAvals(specs), ...s.defaults.map((): AVal => ({ shape: [], dtype: 'f32' }))]
  const got = s.graph.inputs
  if (got.length !== want.length) return `its graph takes ${got.length} inputs, the call binds ${want.length}`
  const i = got.findIndex((v, k) => !sameShape(v.shape, want[k].shape) || v.dtype !== want[k].dtype)
  return i < 0 ? undefined : `its graph input ${i} is ${showAVal(got[i])}, the call binds ${showAVal(want[i])}`
}

/**
 * Parameter names of a JS function, read from its source text (used for `static` by name); a rest
 * parameter keeps its dots (`...xs`), a destructured one is ''.
 */
export function jsParamNames(fn: (...a: never[]) => unknown): string[] {
  const src = fn.toString()
  const open = src.indexOf('(')
  const arrow = src.indexOf('=>')
  if (arrow >= 0 && (open < 0 || arrow < open))
    return [
      src
        .slice(0, arrow)
        .trim()
        .replace(/^async\s+/, ''),
    ]
  let depth = 0
  let end = open
  for (let i = open; i < src.length; i++) {
    if ('([{'.includes(src[i])) depth++
    else if (')]}'.includes(src[i]) && --depth === 0) {
      end = i
      break
    }
  }
  const parts: string[] = []
  let cur = ''
  depth = 0
  for (const ch of src.slice(open + 1, end)) {
    if ('([{'.includes(ch)) depth++
    if (')]}'.includes(ch)) depth--
    if (ch === ',' && depth === 0) (parts.push(cur), (cur = ''))
    else cur += ch
  }
  if (cur.trim()) parts.push(cur)
  return parts.map((p) => p.trim().match(/^(?:\.\.\.)?[A-Za-z_$][\w$]*/)?.[0] ?? '')
}
