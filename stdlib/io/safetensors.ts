/**
 * The safetensors format (host code), exactly: an 8-byte little-endian unsigned header length N,
 * N bytes of UTF-8 JSON { "__metadata__": { string: string }, name: { dtype, shape,
 * data_offsets: [begin, end] }, … } padded with spaces to a multiple of 8, then the tensors'
 * bytes, little-endian and row-major, with offsets relative to the byte buffer after the header,
 * covering it exactly. Everything in a file is checked before anything beyond the file's own size
 * is allocated, and each problem is a DataError of one line naming the file.
 */
import { DataError } from './errors.js'
import { withRegularFile } from './regularFile.js'

export type Dtype = 'F64' | 'F32' | 'I32' | 'U8' | 'BOOL'
export type TensorData = Float64Array | Float32Array | Int32Array | Uint8Array

export interface StTensor {
  dtype: Dtype
  shape: number[]
  /** row-major values; BOOL is 0 or 1 per byte */
  data: TensorData
}

export interface Safetensors {
  metadata: Record<string, string>
  /** in the order of their bytes in the file */
  tensors: Map<string, StTensor>
}

/** Bytes per element and the array type of each dtype, in the order the writer lays them out (widest first). */
export const DTYPES = {
  F64: { bytes: 8, array: Float64Array },
  F32: { bytes: 4, array: Float32Array },
  I32: { bytes: 4, array: Int32Array },
  U8: { bytes: 1, array: Uint8Array },
  BOOL: { bytes: 1, array: Uint8Array },
} as const
const DTYPE_NAMES = Object.keys(DTYPES) as Dtype[]

/** The largest header read (the limit of the reference implementation). */
export const MAX_HEADER_BYTES = 100_000_000

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1
function requireLittleEndian(): void {
  if (!LITTLE_ENDIAN)
    throw new Error('safetensors: this host is big-endian; drift reads and writes them little-endian only')
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const quote = (name: string) => JSON.stringify(name)
/** A lone UTF-16 surrogate has no UTF-8 form. */
const wellFormed = (s: string) => !/\p{Cs}/u.test(s)

// ---- writing ----

/** Writer order: widest dtype first (so every tensor is aligned in the file), then name by UTF-8 bytes. */
function layoutOrder([a, ta]: [string, StTensor], [b, tb]: [string, StTensor]): number {
  return DTYPE_NAMES.indexOf(ta.dtype) - DTYPE_NAMES.indexOf(tb.dtype) || Buffer.compare(Buffer.from(a), Buffer.from(b))
}

function checkTensor(name: string, t: StTensor): void {
  const what = `safetensors: tensor ${quote(name)}`
  if (!DTYPE_NAMES.includes(t.dtype)) throw new Error(`${what}: unknown dtype ${quote(String(t.dtype))}`)
  if (!(t.data instanceof DTYPES[t.dtype].array))
    throw new Error(`${what}: ${t.dtype} data must be a ${DTYPES[t.dtype].array.name}`)
  if (!Array.isArray(t.shape) || !t.shape.every(isCount)) throw new Error(`${what}: bad shape [${t.shape}]`)
  const n = t.shape.reduce((a, b) => a * b, 1)
  if (n !== t.data.length) throw new Error(`${what}: shape [${t.shape}] needs ${n} values, it has ${t.data.length}`)
  if (t.dtype === 'BOOL' && !t.data.every((v) => v <= 1)) throw new Error(`${what}: BOOL values must be 0 or 1`)
}

/** The bytes of a safetensors file holding `s`. */
export function encodeSafetensors(s: Safetensors): Uint8Array {
  requireLittleEndian()
  for (const [k, v] of Object.entries(s.metadata))
    if (typeof v !== 'string' || !wellFormed(k) || !wellFormed(v))
      throw new Error(`safetensors: metadata ${quote(k)} must map a string to a string`)
  const entries = [...s.tensors].sort(layoutOrder)
  const parts = Object.keys(s.metadata).length ? [`"__metadata__":${JSON.stringify(s.metadata)}`] : []
  let offset = 0
  for (const [name, t] of entries) {
    if (name === '__metadata__' || !wellFormed(name))
      throw new Error(`safetensors: a tensor cannot be named ${quote(name)}`)
    checkTensor(name, t)
    const info = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] }
    parts.push(`${quote(name)}:${JSON.stringify(info)}`)
    offset += t.data.byteLength
  }
  const json = Buffer.from(`{${parts.join(',')}}`)
  if (json.length > MAX_HEADER_BYTES)
    throw new Error(`safetensors: a header of ${json.length} bytes is over the limit of ${MAX_HEADER_BYTES}`)
  const headerLength = Math.ceil(json.length / 8) * 8
  const out = new Uint8Array(8 + headerLength + offset)
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true)
  out.set(json, 8)
  out.fill(0x20, 8 + json.length, 8 + headerLength)
  let at = 8 + headerLength
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at)
    at += t.data.byteLength
  }
  return out
}

// ---- reading ----

interface Entry {
  name: string
  dtype: Dtype
  shape: number[]
  begin: number
  end: number
}

/** The first key that appears twice in one object of a valid JSON text (JSON.parse would keep the last silently). */
function duplicateKey(text: string): string | undefined {
  const objects: (Set<string> | null)[] = []
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '{') objects.push(new Set())
    else if (c === '[') objects.push(null)
    else if (c === '}' || c === ']') objects.pop()
    else if (c === '"') {
      let j = i + 1
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      let k = j + 1
      while (' \t\n\r'.includes(text[k])) k++
      const keys = objects[objects.length - 1]
      if (keys && text[k] === ':') {
        const key = JSON.parse(text.slice(i, j + 1)) as string
        if (keys.has(key)) return key
        keys.add(key)
      }
      i = j
    }
  }
  return undefined
}

/** The header's JSON value, or a message saying why it is not one. */
function parseHeader(bytes: Uint8Array): Record<string, unknown> | string {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return 'the header is not valid UTF-8'
  }
  if (!text.startsWith('{')) return 'the header does not start with "{"'
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return `the header is not JSON (${(e as Error).message.replace(/\s+/g, ' ')})`
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'the header is not a JSON object'
  const twice = duplicateKey(text)
  if (twice !== undefined) return `the header names ${quote(twice)} twice`
  return value as Record<string, unknown>
}

function checkMetadata(v: unknown): Record<string, string> | string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return '__metadata__ is not an object'
  const bad = Object.entries(v).find(([, s]) => typeof s !== 'string')
  if (bad) return `__metadata__ ${quote(bad[0])} is not a string`
  return v as Record<string, string>
}

/** One tensor's entry checked against the size of the data buffer, or a message saying what is wrong. */
function checkEntry(name: string, v: unknown, bufferLength: number): Entry | string {
  const what = `tensor ${quote(name)}`
  if (!v || typeof v !== 'object' || Array.isArray(v)) return `${what} is not an object`
  const e = v as Record<string, unknown>
  const extra = Object.keys(e).find((k) => !['dtype', 'shape', 'data_offsets'].includes(k))
  if (extra !== undefined) return `${what} has an unknown field ${quote(extra)}`
  const dtype = e.dtype as Dtype
  if (!DTYPE_NAMES.includes(dtype))
    return `${what} has dtype ${JSON.stringify(e.dtype)}: drift reads ${DTYPE_NAMES.join(', ')}`
  const shape = e.shape
  if (!Array.isArray(shape) || !shape.every(isCount))
    return `${what} has shape ${JSON.stringify(shape)}: a shape is a list of non-negative integers`
  const offsets = e.data_offsets
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount))
    return `${what} has data_offsets ${JSON.stringify(offsets)}: two non-negative integers [begin, end]`
  const [begin, end] = offsets as [number, number]
  if (begin > end || end > bufferLength)
    return `${what} has data_offsets [${begin}, ${end}] outside the ${bufferLength} bytes of data`
  const needed = shape.reduce((a: bigint, d: number) => a * BigInt(d), 1n) * BigInt(DTYPES[dtype].bytes)
  if (needed !== BigInt(end - begin))
    return `${what} of shape [${shape.join(', ')}] ${dtype} needs ${needed} bytes, its data_offsets [${begin}, ${end}] hold ${end - begin}`
  return { name, dtype, shape, begin, end }
}

/** The entries in byte order, when they cover the data buffer exactly; otherwise what is wrong. */
function checkCoverage(entries: Entry[], bufferLength: number): Entry[] | string {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)
  let at = 0
  let previous: Entry | undefined
  for (const e of sorted) {
    if (e.begin > at) return `bytes [${at}, ${e.begin}) of the data belong to no tensor`
    if (e.begin < at)
      return `tensors ${quote(previous!.name)} [${previous!.begin}, ${previous!.end}] and ${quote(e.name)} [${e.begin}, ${e.end}] overlap`
    at = e.end
    previous = e
  }
  if (at !== bufferLength) return `bytes [${at}, ${bufferLength}) of the data belong to no tensor`
  return sorted
}

/** The checked header of a file of `size` bytes: its length, the metadata and the tensor entries (unchecked against each other). */
function readHeader(
  size: number,
  read: (offset: number, length: number) => Uint8Array,
  maxBytes: number,
  fail: (what: string) => never,
): { headerLength: number; metadata: Record<string, string>; entries: Entry[] } {
  if (size > maxBytes) fail(`${size} bytes, more than the ${maxBytes} its reader accepts`)
  if (size < 8) fail(`${size} bytes, shorter than the 8-byte header length of a safetensors file`)
  const n = new DataView(read(0, 8).buffer).getBigUint64(0, true)
  if (n > BigInt(size - 8)) fail(`the header length ${n} runs past the end of the file (${size} bytes)`)
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`the header length ${n} is over the limit of ${MAX_HEADER_BYTES} bytes`)
  const headerLength = Number(n)
  const header = parseHeader(read(8, headerLength))
  if (typeof header === 'string') return fail(header)
  let metadata: Record<string, string> = {}
  const entries: Entry[] = []
  for (const [name, v] of Object.entries(header)) {
    const checked = name === '__metadata__' ? checkMetadata(v) : checkEntry(name, v, size - 8 - headerLength)
    if (typeof checked === 'string') return fail(checked)
    if (name === '__metadata__') metadata = checked as Record<string, string>
    else entries.push(checked as Entry)
  }
  return { headerLength, metadata, entries }
}

/**
 * The `__metadata__` of a safetensors file, its header checked as readSafetensors checks it and no
 * tensor read: enough to tell what a file is before its reader reads (and checks) the whole of it.
 */
export function readSafetensorsMetadata(
  file: string,
  missing = 'name an existing safetensors file',
  maxBytes = Number.MAX_SAFE_INTEGER,
): Record<string, string> {
  requireLittleEndian()
  const fail = (what: string): never => {
    throw new DataError(`${file}: ${what}`)
  }
  return withRegularFile(file, missing, ({ size, read }) => readHeader(size, read, maxBytes, fail).metadata)
}

/**
 * Read FILE, a safetensors file of at most `maxBytes` (checked before anything is read); any
 * problem is a DataError naming it (`missing`: the fix when it does not exist).
 */
export function readSafetensors(
  file: string,
  missing = 'name an existing safetensors file',
  maxBytes = Number.MAX_SAFE_INTEGER,
): Safetensors {
  requireLittleEndian()
  const fail = (what: string): never => {
    throw new DataError(`${file}: ${what}`)
  }
  return withRegularFile(file, missing, ({ size, read }) => {
    const { headerLength, metadata, entries } = readHeader(size, read, maxBytes, fail)
    const bufferLength = size - 8 - headerLength
    const ordered = checkCoverage(entries, bufferLength)
    if (typeof ordered === 'string') return fail(ordered)
    const tensors = new Map<string, StTensor>()
    for (const e of ordered) {
      const bytes = read(8 + headerLength + e.begin, e.end - e.begin) // its own buffer, at offset 0: aligned
      if (e.dtype === 'BOOL' && !bytes.every((b) => b <= 1))
        fail(`tensor ${quote(e.name)} is BOOL but holds bytes other than 0 and 1`)
      const data = new DTYPES[e.dtype].array(bytes.buffer as ArrayBuffer, 0, bytes.length / DTYPES[e.dtype].bytes)
      tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data })
    }
    return { metadata, tensors }
  })
}
