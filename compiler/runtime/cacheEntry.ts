/**
 * The file format of a compile-cache entry: one header line `drift-cache 2 <hmac>`, then the
 * entry as tagged JSON (json.ts): { key, files: [{ path, sha }], value: Specialized }. The
 * HMAC-SHA256 under this user's secret (cacheSecret.ts) covers everything after the header line,
 * so a damaged, edited or foreign entry is caught before it is parsed; then every field is checked (ir/schema.ts) and the graph verified (ir/verify.ts). Nothing
 * in an entry is ever turned into code: a graph is data that the interpreter evaluates and the
 * backends compile from checked fields only.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import path from 'node:path'
import type { Specialized } from '../frontend/specialize.js'
import { graphProblem } from '../ir/verify.js'
import { SCHEMA_LIMITS, SchemaError, leafCount, readGraph, readNumber, readString, readTree } from '../ir/schema.js'
import { JsonError, fromTaggedJson, toTaggedJson } from './json.js'
import '../ir/prims/index.js'

const MAGIC = 'drift-cache 2'
/** Nesting of an entry's JSON: a scalar-lambda body at its deepest, plus the levels around it. */
const MAX_DEPTH = SCHEMA_LIMITS.scalarDepth + 64

export interface DiskEntry {
  key: string
  /** The source files the entry was compiled from, with their SHA-256 when it was written. */
  files: { path: string; sha: string }[]
  value: Specialized
}

/** An entry that cannot be used: the message says why, in one line. */
export class CacheEntryError extends Error {
  override name = 'CacheEntryError'
}

export const sha256 = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex')

export const hmac = (secret: Uint8Array, body: string): string =>
  createHmac('sha256', secret).update(body).digest('hex')

export function encodeEntry(entry: DiskEntry, secret: Uint8Array): string {
  const body = toTaggedJson(entry)
  return `${MAGIC} ${hmac(secret, body)}\n${body}`
}

/** The entry in `text`, stored under `key`, checked completely; a CacheEntryError says why it is refused. */
export function decodeEntry(text: string, key: string, secret: Uint8Array): DiskEntry {
  const newline = text.indexOf('\n')
  const header = newline < 0 ? text : text.slice(0, newline)
  const m = /^drift-cache 2 ([0-9a-f]{64})$/.exec(header)
  if (!m) throw new CacheEntryError(`it does not start with '${MAGIC} <hmac>'`)
  const body = text.slice(newline + 1)
  if (!timingSafeEqual(Buffer.from(hmac(secret, body), 'hex'), Buffer.from(m[1], 'hex')))
    throw new CacheEntryError('its HMAC does not match its contents (damaged, edited, or not written by this user)')
  try {
    return readEntry(fromTaggedJson(body, MAX_DEPTH), key)
  } catch (e) {
    if (e instanceof JsonError || e instanceof SchemaError) throw new CacheEntryError(e.message.replace(/\s+/g, ' '))
    throw e
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function readEntry(v: unknown, key: string): DiskEntry {
  if (!isObject(v) || Object.keys(v).sort().join() !== 'files,key,value')
    throw new SchemaError('the entry is not an object of key, files and value')
  if (v.key !== key) throw new SchemaError(`the entry belongs to key ${readString(v.key, 'its key')}`)
  if (!Array.isArray(v.files)) throw new SchemaError('files is not a list')
  const files = v.files.map((f, i) => {
    const at = `files[${i}]`
    if (!isObject(f) || Object.keys(f).sort().join() !== 'path,sha') throw new SchemaError(`${at} is not { path, sha }`)
    const p = readString(f.path, `${at}.path`)
    if (!path.isAbsolute(p)) throw new SchemaError(`${at}.path is not an absolute path`)
    if (typeof f.sha !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha)) throw new SchemaError(`${at}.sha is not a SHA-256`)
    return { path: p, sha: f.sha }
  })
  return { key, files, value: readSpecialized(v.value, files) }
}

/** A specialization read back: its graph checked field by field and verified, its result tree matching its outputs. */
function readSpecialized(v: unknown, files: DiskEntry['files']): Specialized {
  if (!isObject(v) || Object.keys(v).sort().join() !== 'defaults,files,graph,name,outTree')
    throw new SchemaError('value is not a specialization { name, graph, outTree, files, defaults }')
  const graph = readGraph(v.graph, 'value.graph')
  const malformed = graphProblem(graph)
  if (malformed) throw new SchemaError(`value.graph is malformed: ${malformed}`)
  const outTree = readTree(v.outTree, 'value.outTree')
  if (leafCount(outTree) !== graph.outputs.length)
    throw new SchemaError(`value.outTree arranges ${leafCount(outTree)} results, the graph has ${graph.outputs.length}`)
  if (!Array.isArray(v.files) || !Array.isArray(v.defaults))
    throw new SchemaError('value.files or value.defaults is not a list')
  const sources = v.files.map((f, i) => readString(f, `value.files[${i}]`))
  if (sources.join('\n') !== files.map((f) => f.path).join('\n'))
    throw new SchemaError('value.files differs from the files the entry checks')
  return {
    name: readString(v.name, 'value.name'),
    graph,
    outTree,
    files: sources,
    defaults: v.defaults.map((d, i) => readNumber(d, `value.defaults[${i}]`)),
  }
}
