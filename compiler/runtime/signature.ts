/** From host arguments to the compiler's argument specs, the cache key, and flat input arrays. */
import type { NDArray } from '../ir/ndarray.js'
import type { DType } from '../ir/types.js'
import type { ArgSpec, FnRef } from '../frontend/specialize.js'
import { isHostTensor } from './hostTensor.js'

/** What the compiler needs to know about a DSL function object passed as an argument. */
export interface HasRef {
  readonly ref: FnRef
}
export const hasRef = (v: unknown): v is HasRef =>
  typeof v === 'function' && typeof (v as Partial<HasRef>).ref === 'object'

export function argSpec(v: unknown, isStatic: boolean, path: string): ArgSpec {
  if (isHostTensor(v)) return { tag: 'tensor', aval: { shape: [...v.shape], dtype: v.dtype as DType } }
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

/** Parameter names of a JS function, read from its source text (used for `static` by name). */
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
  return parts.map((p) => p.trim().match(/^[A-Za-z_$][\w$]*/)?.[0] ?? '')
}
