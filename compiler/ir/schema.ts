/**
 * The schema of L1 as data. A graph read back from disk (the compile cache) is checked field by
 * field before anything else looks at it: exact keys, the types of every field, primitives from
 * the registry, each primitive's parameters by the schema its registry entry declares (`params`),
 * scalar-lambda bodies built only from the operation tables, every string free of control
 * characters, and bounded nesting, so that reading never runs out of stack. What the schema cannot
 * say (SSA, shapes, dtypes) verify.ts checks next.
 */
import type { Atom, DType, Eqn, Graph, SourceLoc, TreeDef, Var } from './types.js'
import type { ScalarExpr } from './scalar.js'
import { BINARY, UNARY, isBinary, isUnary } from './ops.js'
import { isPrimitive, primitive } from './primitive.js'

export class SchemaError extends Error {
  override name = 'SchemaError'
}

/** Bounds on what a graph read back may hold (the compiler's own graphs stay far below them). */
export const SCHEMA_LIMITS = {
  /** axes of a shape, and items of a parameter list */
  rank: 64,
  /** nesting of a scalar-lambda body (the frontend stops at 512 levels of source) */
  scalarDepth: 2048,
  /** nesting of a result tree (the frontend stops at 256 levels of source) */
  treeDepth: 256,
  /** characters of one string */
  stringLength: 4096,
}

/** The type of one parameter: a named kind, or one of a list of strings. */
export type ParamKind =
  'int' | 'count' | 'number' | 'boolean' | 'dtype' | 'ints' | 'shape' | 'pair' | 'scalar' | readonly string[]
/** A parameter's kind, or `{ optional: kind }` for one that may be absent. */
export type ParamSpec = ParamKind | { optional: ParamKind }
/** A kind for every parameter of a primitive (every key of its PrimParams entry). */
export type ParamSchema<P> = { readonly [K in keyof P]-?: ParamSpec }

const DTYPES: readonly DType[] = ['f32', 'i32', 'bool']

const isOptional = (s: ParamSpec): s is { optional: ParamKind } => typeof s === 'object' && 'optional' in s

const fail = (at: string, what: string): never => {
  throw new SchemaError(`${at} ${what}`)
}

const show = (v: unknown): string => {
  const s = typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v
  return s.length > 40 ? `${s.slice(0, 37)}...` : s
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype

/** `v` as an object with exactly these keys (the optional ones may be absent). */
function fields(v: unknown, at: string, required: readonly string[], optional: readonly string[] = []) {
  if (!isPlainObject(v)) return fail(at, `is ${show(v)}, expected an object`)
  for (const k of Object.keys(v))
    if (!required.includes(k) && !optional.includes(k)) fail(at, `has an unknown field ${JSON.stringify(k)}`)
  for (const k of required) if (!Object.hasOwn(v, k)) fail(at, `has no field ${JSON.stringify(k)}`)
  return v
}

function list(v: unknown, at: string, max = Infinity): unknown[] {
  if (!Array.isArray(v)) return fail(at, `is ${show(v)}, expected a list`)
  if (v.length > max) fail(at, `has ${v.length} items, at most ${max} are allowed`)
  return v
}

export function readString(v: unknown, at: string): string {
  if (typeof v !== 'string') return fail(at, `is ${show(v)}, expected a string`)
  if (v.length > SCHEMA_LIMITS.stringLength) fail(at, `is longer than ${SCHEMA_LIMITS.stringLength} characters`)
  if (/[\u0000-\u001f\u007f]/.test(v)) fail(at, 'holds a control character')
  return v
}

export function readNumber(v: unknown, at: string): number {
  return typeof v === 'number' ? v : fail(at, `is ${show(v)}, expected a number`)
}

const readInt = (v: unknown, at: string): number =>
  Number.isSafeInteger(v) ? (v as number) : fail(at, `is ${show(v)}, expected an integer`)

const readCount = (v: unknown, at: string): number =>
  Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : fail(at, `is ${show(v)}, expected a count`)

const readDType = (v: unknown, at: string): DType =>
  DTYPES.includes(v as DType) ? (v as DType) : fail(at, `is ${show(v)}, expected a dtype (${DTYPES.join(', ')})`)

/** A shape: at most SCHEMA_LIMITS.rank counts whose product is a safe integer. */
export function readShape(v: unknown, at: string): number[] {
  const shape = list(v, at, SCHEMA_LIMITS.rank).map((d, i) => readCount(d, `${at}[${i}]`))
  if (!Number.isSafeInteger(shape.reduce((a, b) => a * b, 1))) fail(at, `has more elements than a safe integer counts`)
  return shape
}

/** A scalar-lambda body: operations from the tables, dtypes as the tables give them, bounded depth. */
export function readScalar(v: unknown, at: string, depth = 0): ScalarExpr {
  if (depth > SCHEMA_LIMITS.scalarDepth) fail(at, `nests deeper than ${SCHEMA_LIMITS.scalarDepth} levels`)
  const kind = isPlainObject(v) ? v.k : undefined
  const sub = (x: unknown, name: string) => readScalar(x, `${at}.${name}`, depth + 1)
  const dtypeIs = (want: DType, got: DType) =>
    got === want ? got : fail(`${at}.dtype`, `is ${got}, its operation gives ${want}`)
  switch (kind) {
    case 'in': {
      const e = fields(v, at, ['k', 'i', 'dtype'])
      return { k: 'in', i: readCount(e.i, `${at}.i`), dtype: readDType(e.dtype, `${at}.dtype`) }
    }
    case 'idx': {
      const e = fields(v, at, ['k', 'axis', 'dtype'])
      if (e.dtype !== 'i32') fail(`${at}.dtype`, `is ${show(e.dtype)}, an index is i32`)
      return { k: 'idx', axis: readCount(e.axis, `${at}.axis`), dtype: 'i32' }
    }
    case 'const': {
      const e = fields(v, at, ['k', 'v', 'dtype'])
      return { k: 'const', v: readNumber(e.v, `${at}.v`), dtype: readDType(e.dtype, `${at}.dtype`) }
    }
    case 'un': {
      const e = fields(v, at, ['k', 'op', 'a', 'dtype'])
      if (!isUnary(e.op)) return fail(`${at}.op`, `is ${show(e.op)}, not a unary operation`)
      const a = sub(e.a, 'a')
      const dtype = dtypeIs(UNARY[e.op].dtype(a.dtype), readDType(e.dtype, `${at}.dtype`))
      return { k: 'un', op: e.op, a, dtype }
    }
    case 'bin': {
      const e = fields(v, at, ['k', 'op', 'a', 'b', 'dtype'])
      if (!isBinary(e.op)) return fail(`${at}.op`, `is ${show(e.op)}, not a binary operation`)
      const [a, b] = [sub(e.a, 'a'), sub(e.b, 'b')]
      const dtype = dtypeIs(BINARY[e.op].dtype(a.dtype, b.dtype), readDType(e.dtype, `${at}.dtype`))
      return { k: 'bin', op: e.op, a, b, dtype }
    }
    case 'sel': {
      const e = fields(v, at, ['k', 'c', 'a', 'b', 'dtype'])
      return {
        k: 'sel',
        c: sub(e.c, 'c'),
        a: sub(e.a, 'a'),
        b: sub(e.b, 'b'),
        dtype: readDType(e.dtype, `${at}.dtype`),
      }
    }
    case 'cast': {
      const e = fields(v, at, ['k', 'a', 'dtype'])
      return { k: 'cast', a: sub(e.a, 'a'), dtype: readDType(e.dtype, `${at}.dtype`) }
    }
    default:
      return fail(at, `is ${isPlainObject(v) ? `of kind ${show(kind)}` : show(v)}, expected a scalar expression`)
  }
}

function readKind(kind: ParamKind, v: unknown, at: string): unknown {
  if (typeof kind !== 'string')
    return kind.includes(v as string) ? v : fail(at, `is ${show(v)}, expected ${kind.join(' or ')}`)
  switch (kind) {
    case 'int':
      return readInt(v, at)
    case 'count':
      return readCount(v, at)
    case 'number':
      return readNumber(v, at)
    case 'boolean':
      return typeof v === 'boolean' ? v : fail(at, `is ${show(v)}, expected true or false`)
    case 'dtype':
      return readDType(v, at)
    case 'ints':
      return list(v, at, SCHEMA_LIMITS.rank).map((x, i) => readInt(x, `${at}[${i}]`))
    case 'shape':
      return readShape(v, at)
    case 'pair': {
      const p = list(v, at, 2).map((x, i) => readCount(x, `${at}[${i}]`))
      return p.length === 2 ? p : fail(at, 'expected two counts')
    }
    case 'scalar':
      return readScalar(v, at)
  }
  return fail(at, 'has a parameter kind the schema does not know')
}

/** The parameters of an equation of `prim`, checked against its registry entry's schema. */
export function readParams(prim: string, v: unknown, at: string): Record<string, unknown> {
  if (!isPrimitive(prim)) return fail(at, `belongs to ${show(prim)}, which is no primitive`)
  const schema = primitive(prim).params as Record<string, ParamSpec>
  const optional = Object.keys(schema).filter((k) => isOptional(schema[k]))
  const required = Object.keys(schema).filter((k) => !optional.includes(k))
  const p = fields(v, at, required, optional)
  const out: Record<string, unknown> = {}
  for (const [k, spec] of Object.entries(schema)) {
    if (isOptional(spec) && p[k] === undefined) continue
    out[k] = readKind(isOptional(spec) ? spec.optional : spec, p[k], `${at}.${k}`)
  }
  return out
}

function readVar(v: unknown, at: string): Var {
  const x = fields(v, at, ['kind', 'id', 'shape', 'dtype'])
  if (x.kind !== 'var') fail(`${at}.kind`, `is ${show(x.kind)}, expected "var"`)
  return {
    kind: 'var',
    id: readCount(x.id, `${at}.id`),
    shape: readShape(x.shape, `${at}.shape`),
    dtype: readDType(x.dtype, `${at}.dtype`),
  }
}

function readAtom(v: unknown, at: string): Atom {
  if (isPlainObject(v) && v.kind === 'lit') {
    const x = fields(v, at, ['kind', 'value', 'dtype'])
    return { kind: 'lit', value: readNumber(x.value, `${at}.value`), dtype: readDType(x.dtype, `${at}.dtype`) }
  }
  return readVar(v, at)
}

function readLoc(v: unknown, at: string): SourceLoc {
  const x = fields(v, at, ['file', 'line', 'col'])
  return {
    file: readString(x.file, `${at}.file`),
    line: readCount(x.line, `${at}.line`),
    col: readCount(x.col, `${at}.col`),
  }
}

function readEqn(v: unknown, at: string): Eqn {
  const x = fields(v, at, ['prim', 'inputs', 'params', 'outputs'], ['loc'])
  const prim = readString(x.prim, `${at}.prim`)
  const e: Eqn = {
    prim: isPrimitive(prim) ? prim : fail(`${at}.prim`, `is ${show(prim)}, which is no primitive`),
    inputs: list(x.inputs, `${at}.inputs`).map((a, i) => readAtom(a, `${at}.inputs[${i}]`)),
    params: readParams(prim, x.params, `${at}.params`),
    outputs: list(x.outputs, `${at}.outputs`).map((o, i) => readVar(o, `${at}.outputs[${i}]`)),
  }
  if (x.loc !== undefined) e.loc = readLoc(x.loc, `${at}.loc`)
  return e
}

/** A graph read back from data, every field checked (then run verifyGraph for SSA, shapes and dtypes). */
export function readGraph(v: unknown, at = 'graph'): Graph {
  const x = fields(v, at, ['inputs', 'eqns', 'outputs'], ['inputNames'])
  const g: Graph = {
    inputs: list(x.inputs, `${at}.inputs`).map((a, i) => readVar(a, `${at}.inputs[${i}]`)),
    eqns: list(x.eqns, `${at}.eqns`).map((e, i) => readEqn(e, `${at}.eqns[${i}]`)),
    outputs: list(x.outputs, `${at}.outputs`).map((a, i) => readAtom(a, `${at}.outputs[${i}]`)),
  }
  if (x.inputNames !== undefined) {
    const names = list(x.inputNames, `${at}.inputNames`).map((n, i) => readString(n, `${at}.inputNames[${i}]`))
    if (names.length !== g.inputs.length)
      fail(`${at}.inputNames`, `names ${names.length} inputs, the graph has ${g.inputs.length}`)
    g.inputNames = names
  }
  return g
}

/** A result tree: leaves, arrays, objects, and static values (a number, string, boolean or null; absent for undefined). */
export function readTree(v: unknown, at: string, depth = 0): TreeDef {
  if (depth > SCHEMA_LIMITS.treeDepth) fail(at, `nests deeper than ${SCHEMA_LIMITS.treeDepth} levels`)
  const kind = isPlainObject(v) ? v.kind : undefined
  const items = (x: Record<string, unknown>) =>
    list(x.items, `${at}.items`).map((t, i) => readTree(t, `${at}.items[${i}]`, depth + 1))
  switch (kind) {
    case 'leaf':
      fields(v, at, ['kind'])
      return { kind: 'leaf' }
    case 'array':
      return { kind: 'array', items: items(fields(v, at, ['kind', 'items'])) }
    case 'object': {
      const x = fields(v, at, ['kind', 'keys', 'items'])
      const keys = list(x.keys, `${at}.keys`).map((k, i) => readString(k, `${at}.keys[${i}]`))
      const its = items(x)
      if (keys.length !== its.length) fail(at, `has ${keys.length} keys for ${its.length} items`)
      return { kind: 'object', keys, items: its }
    }
    case 'static': {
      const x = fields(v, at, ['kind'], ['value'])
      const value = x.value
      if (!(value === undefined || value === null || ['number', 'boolean'].includes(typeof value)))
        readString(value, `${at}.value`)
      return { kind: 'static', value }
    }
    default:
      return fail(at, `is ${isPlainObject(v) ? `of kind ${show(kind)}` : show(v)}, expected a result tree`)
  }
}

/** How many leaves (graph outputs) a result tree arranges. */
export const leafCount = (t: TreeDef): number =>
  t.kind === 'leaf' ? 1 : t.kind === 'array' || t.kind === 'object' ? t.items.reduce((n, x) => n + leafCount(x), 0) : 0
