/**
 * The checkpoint store of every training program (host code): one safetensors file,
 * `checkpoint.safetensors` in the run's folder, written atomically. `tensors` is a pytree
 * (objects and arrays of Tensors: parameters, optimizer moments, EMA), stored under dotted names
 * (`params.layers.0.w`); `meta` is a JSON object (step, config, RNG state, loss history, …). The
 * file's `__metadata__` holds the tree's shape, the meta as JSON and a SHA-256 over all of it and
 * every tensor's bytes, checked on read. A load checks everything and returns the same bits (meta
 * goes through JSON: an object key whose value is undefined is left out, and −0 comes back as 0).
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Tensor, type DType, type Shape } from '../../dsl/index.js'
import { writeAtomic } from '../../compiler/runtime/atomicWrite.js'
import { DataError } from './errors.js'
import { encodeSafetensors, readSafetensors, readSafetensorsMetadata, type StTensor } from './safetensors.js'

export const CHECKPOINT_FILE = 'checkpoint.safetensors'
/** The checkpoint file in `dir`, or undefined when it holds none. */
export function findCheckpointFile(dir: string): string | undefined {
  const file = path.join(dir, CHECKPOINT_FILE)
  return fs.existsSync(file) ? file : undefined
}
const FORMAT = 'drift-checkpoint'
const VERSION = '1'
/** Bounds on `meta` and on the tree: nesting depth, and bytes of JSON. */
export const META_LIMITS = { depth: 32, bytes: 16 * 2 ** 20 }

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type AnyTensor = Tensor<Shape, DType>
export type TensorTree = AnyTensor | TensorTree[] | { [key: string]: TensorTree }

export interface CheckpointContents {
  /** a pytree of Tensors: nested objects and arrays (typed as `object` so interfaces such as LinearParams fit) */
  tensors: object
  meta: { [key: string]: Json }
}

export interface LoadedCheckpoint {
  tensors: { [key: string]: TensorTree }
  meta: { [key: string]: Json }
}

/** The tree without its tensors: null where a tensor is. */
type Skeleton = null | Skeleton[] | { [key: string]: Skeleton }

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && [Object.prototype, null].includes(Object.getPrototypeOf(v))
const quote = (s: string) => JSON.stringify(s)

/** Why `key` cannot be one part of a dotted tensor name, or undefined. */
function badKey(key: string): string | undefined {
  if (key === '' || key.includes('.') || key === '__proto__')
    return `the key ${quote(key)} cannot be part of a dotted tensor name (it must be non-empty, without '.', not __proto__)`
  return undefined
}

// ---- writing ----

/** Tensor → safetensors entry: float32 → F32, float64 data → F64, i32 → I32, bool → BOOL. */
function entryOf(name: string, t: AnyTensor): StTensor {
  const d = t.data
  const dtype =
    d instanceof Float32Array && t.dtype === 'f32'
      ? 'F32'
      : d instanceof Float64Array && t.dtype === 'f32'
        ? 'F64'
        : d instanceof Int32Array && t.dtype === 'i32'
          ? 'I32'
          : d instanceof Uint8Array && t.dtype === 'bool'
            ? 'BOOL'
            : undefined
  if (!dtype) throw new Error(`tensor ${quote(name)}: ${t.dtype} data in a ${d.constructor.name} cannot be stored`)
  const bad = dtype === 'F32' || dtype === 'F64' ? d.findIndex((v) => !Number.isFinite(v)) : -1
  if (bad >= 0) throw new Error(`tensor ${quote(name)} holds ${d[bad]} at element ${bad}: only finite values are saved`)
  return { dtype, shape: [...t.shape], data: d }
}

/** Flatten `tree` into `out` (dotted name → entry), returning its skeleton. */
function flatten(tree: unknown, at: string[], out: Map<string, StTensor>): Skeleton {
  const where = at.length ? at.join('.') : 'the tree'
  if (tree instanceof Tensor) {
    if (!at.length) throw new Error('tensors must be an object or array of Tensors, not one Tensor')
    out.set(where, entryOf(where, tree))
    return null
  }
  if (at.length >= META_LIMITS.depth) throw new Error(`${where} is nested deeper than ${META_LIMITS.depth} levels`)
  if (Array.isArray(tree)) return Array.from(tree, (v, i) => flatten(v, [...at, String(i)], out))
  if (!isPlainObject(tree))
    throw new Error(
      `${where} is ${tree === null ? 'null' : typeof tree}: tensors holds Tensors in objects and arrays; plain values go in meta`,
    )
  const skeleton: { [key: string]: Skeleton } = {}
  for (const [k, v] of Object.entries(tree)) {
    const bad = badKey(k)
    if (bad) throw new Error(`${where}: ${bad}`)
    skeleton[k] = flatten(v, [...at, k], out)
  }
  return skeleton
}

/** Why `v` is not JSON within the limits (undefined object values are left out, as JSON does), or undefined. */
function jsonProblem(v: unknown, where: string, depth: number): string | undefined {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return undefined
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : `${where} is ${v}: JSON holds finite numbers only`
  if (depth >= META_LIMITS.depth) return `${where} is nested deeper than ${META_LIMITS.depth} levels`
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = jsonProblem(v[i], `${where}[${i}]`, depth + 1)
      if (p) return p
    }
    return undefined
  }
  if (!isPlainObject(v))
    return `${where} is ${typeof v === 'object' ? 'an object of a class' : `a ${typeof v}`}, not JSON`
  for (const [k, x] of Object.entries(v)) {
    if (k === '__proto__') return `${where} has a key __proto__`
    const p = x === undefined ? undefined : jsonProblem(x, `${where}.${k}`, depth + 1)
    if (p) return p
  }
  return undefined
}

/**
 * The checkpoint's SHA-256: of the UTF-8 of JSON [format, version, tree, meta, [[name, dtype, shape], …]]
 * with the names sorted (JavaScript string order), then of every tensor's bytes in that order.
 */
function digest(tree: string, meta: string, tensors: Map<string, StTensor>): string {
  const names = [...tensors.keys()].sort()
  const hash = crypto.createHash('sha256')
  hash.update(
    JSON.stringify([FORMAT, VERSION, tree, meta, names.map((n) => [n, tensors.get(n)!.dtype, tensors.get(n)!.shape])]),
  )
  for (const n of names) {
    const d = tensors.get(n)!.data
    hash.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))
  }
  return hash.digest('hex')
}

/** Stale temporary files of a writer killed mid-write (writeAtomic's FILE.<pid>.tmp). */
function removeStale(dir: string): void {
  const stale = new RegExp(`^${CHECKPOINT_FILE.replace('.', '\\.')}\\.\\d+\\.tmp$`)
  for (const name of fs.readdirSync(dir))
    if (stale.test(name) && fs.lstatSync(path.join(dir, name)).isFile()) fs.rmSync(path.join(dir, name))
}

/** Write DIR/checkpoint.safetensors atomically; everything is checked before the disk is touched. */
export function saveCheckpoint(dir: string, c: CheckpointContents): void {
  const file = path.join(dir, CHECKPOINT_FILE)
  const fail = (what: string): never => {
    throw new Error(`cannot save checkpoint ${file}: ${what}`)
  }
  const tensors = new Map<string, StTensor>()
  let tree: string
  try {
    tree = JSON.stringify(flatten(c.tensors, [], tensors))
  } catch (e) {
    return fail((e as Error).message)
  }
  if (!isPlainObject(c.meta)) fail('meta must be a JSON object')
  const problem = jsonProblem(c.meta, 'meta', 0)
  if (problem) fail(problem)
  const meta = JSON.stringify(c.meta)
  for (const [what, json] of [
    ['meta', meta],
    ['the tree', tree],
  ])
    if (Buffer.byteLength(json) > META_LIMITS.bytes) fail(`${what} is over ${META_LIMITS.bytes} bytes of JSON`)
  const sha256 = digest(tree, meta, tensors)
  const bytes = encodeSafetensors({ metadata: { format: FORMAT, version: VERSION, tree, meta, sha256 }, tensors })
  removeStale(dir)
  writeAtomic(file, bytes)
}

// ---- reading ----

/** The skeleton `v` read back, checked; its leaves' dotted names go into `names`. */
function readSkeleton(v: unknown, at: string[], names: string[]): Skeleton | string {
  const where = at.length ? at.join('.') : 'the tree'
  if (v === null) {
    if (!at.length) return 'the tree is a single tensor'
    names.push(where)
    return null
  }
  if (at.length >= META_LIMITS.depth) return `the tree is nested deeper than ${META_LIMITS.depth} levels at ${where}`
  if (!Array.isArray(v) && !isPlainObject(v)) return `the tree holds ${JSON.stringify(v)} at ${where}`
  const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v)
  const out: { [key: string]: Skeleton } = {}
  for (const [k, x] of entries) {
    const bad = badKey(k)
    if (bad) return `the tree${at.length ? ` at ${where}` : ''}: ${bad}`
    const s = readSkeleton(x, [...at, k], names)
    if (typeof s === 'string') return s
    out[k] = s
  }
  return Array.isArray(v) ? entries.map(([k]) => out[k]) : out
}

/** The Tensor of a stored entry; floats must be finite. */
function tensorOf(name: string, e: StTensor): AnyTensor | string {
  if (e.dtype === 'U8') return `tensor ${quote(name)} is U8: checkpoint tensors are F32, F64, I32 or BOOL`
  if (e.dtype === 'F32' || e.dtype === 'F64') {
    const bad = e.data.findIndex((v) => !Number.isFinite(v))
    if (bad >= 0) return `tensor ${quote(name)} holds ${e.data[bad]} at element ${bad}`
  }
  const dtype = e.dtype === 'I32' ? 'i32' : e.dtype === 'BOOL' ? 'bool' : 'f32'
  return new Tensor(e.data, e.shape, dtype) as AnyTensor
}

function rebuild(s: Skeleton, at: string[], tensors: Map<string, AnyTensor>): TensorTree {
  if (s === null) return tensors.get(at.join('.'))!
  if (Array.isArray(s)) return s.map((x, i) => rebuild(x, [...at, String(i)], tensors))
  return Object.fromEntries(Object.entries(s).map(([k, x]) => [k, rebuild(x, [...at, k], tensors)]))
}

/** A JSON text of `__metadata__`, parsed after its size is checked. */
function parseJson(text: string, what: string, fail: (what: string) => never): unknown {
  if (Buffer.byteLength(text) > META_LIMITS.bytes) fail(`${what} is over ${META_LIMITS.bytes} bytes of JSON`)
  try {
    return JSON.parse(text)
  } catch (e) {
    return fail(`${what} is not JSON (${(e as Error).message.replace(/\s+/g, ' ')})`)
  }
}

/**
 * Read DIR/checkpoint.safetensors, checking everything; a problem is a DataError of one line naming
 * the file. A file over `maxBytes` (what the caller's program can need) is refused unread.
 */
export function loadCheckpoint(dir: string, maxBytes?: number): LoadedCheckpoint {
  const file = path.join(dir, CHECKPOINT_FILE)
  const fail = (what: string): never => {
    throw new DataError(`${file}: ${what}`)
  }
  const st = readSafetensors(file, `no checkpoint has been saved in ${dir}`, maxBytes)
  const m = st.metadata
  const keys = Object.keys(m).sort().join(', ')
  if (keys !== 'format, meta, sha256, tree, version')
    fail(`not a drift checkpoint (its __metadata__ holds ${keys || 'nothing'})`)
  if (m.format !== FORMAT) fail(`not a drift checkpoint (format ${quote(m.format)})`)
  if (m.version !== VERSION) fail(`checkpoint version ${quote(m.version)}: this drift reads version ${VERSION}`)
  if (digest(m.tree, m.meta, st.tensors) !== m.sha256)
    fail('its SHA-256 does not match its contents: the file is damaged')

  const meta = parseJson(m.meta, 'meta', fail)
  if (!isPlainObject(meta)) fail('meta is not a JSON object')
  const problem = jsonProblem(meta, 'meta', 0)
  if (problem) fail(problem)

  const names: string[] = []
  const skeleton = readSkeleton(parseJson(m.tree, 'the tree', fail), [], names)
  if (typeof skeleton === 'string') return fail(skeleton)
  const missing = names.find((n) => !st.tensors.has(n))
  if (missing !== undefined) fail(`the tree names tensor ${quote(missing)}, which the file does not hold`)
  if (names.length !== st.tensors.size) {
    const named = new Set(names)
    fail(`tensor ${quote([...st.tensors.keys()].find((n) => !named.has(n))!)} is not in the tree`)
  }
  const tensors = new Map<string, AnyTensor>()
  for (const [name, e] of st.tensors) {
    const t = tensorOf(name, e)
    if (typeof t === 'string') return fail(t)
    tensors.set(name, t)
  }
  return {
    tensors: rebuild(skeleton, [], tensors) as { [key: string]: TensorTree },
    meta: meta as { [key: string]: Json },
  }
}

/**
 * The program a checkpoint in DIR says wrote it, from its header alone (no tensor read, nothing
 * checked beyond the header): undefined when it names none. Its loader checks the whole file.
 */
export function checkpointProgram(dir: string, maxBytes?: number): unknown {
  const file = path.join(dir, CHECKPOINT_FILE)
  const m = readSafetensorsMetadata(file, `no checkpoint has been saved in ${dir}`, maxBytes)
  if (m.format !== FORMAT || typeof m.meta !== 'string') return undefined
  const meta = parseJson(m.meta, 'meta', (what) => {
    throw new DataError(`${file}: ${what}`)
  })
  return isPlainObject(meta) ? meta.program : undefined
}
