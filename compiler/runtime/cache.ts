/**
 * The jit cache: specializations keyed by (compiler, function, argument signature), in memory
 * and on disk (`.drift-cache/`, or DRIFT_CACHE_DIR; DRIFT_CACHE=off disables the disk). A disk
 * entry is valid while every source file it was compiled from is unchanged; it is signed with
 * this user's secret (cacheSecret.ts) and checked completely before use (cacheEntry.ts).
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Specialized } from '../frontend/specialize.js'
import { writeAtomic } from './atomicWrite.js'
import { CacheEntryError, decodeEntry, encodeEntry, sha256, type DiskEntry } from './cacheEntry.js'
import { cacheSecret, secretFile } from './cacheSecret.js'

const COMPILER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export const cacheStats = { compiles: 0, memoryHits: 0, diskHits: 0 }
const memory = new Map<string, Specialized>()

let fingerprint: string | undefined
/** A hash of the compiler's own sources: a changed compiler never reads an old entry. */
function compilerFingerprint(): string {
  if (fingerprint) return fingerprint
  const h = createHash('sha256')
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.ts')) h.update(e.name).update(fs.readFileSync(p))
    }
  }
  walk(COMPILER_DIR)
  return (fingerprint = h.digest('hex').slice(0, 16))
}

export const cacheKey = (parts: unknown): string => sha256(JSON.stringify([compilerFingerprint(), parts])).slice(0, 32)

const cacheDir = () => process.env.DRIFT_CACHE_DIR ?? path.join(process.cwd(), '.drift-cache')

const secrets = new Map<string, Buffer | string>()
/**
 * The secret that signs entries, or undefined when the disk cache is off: by DRIFT_CACHE=off, or
 * for want of a usable secret (said once per key file, on stderr).
 */
function diskSecret(): Buffer | undefined {
  if (process.env.DRIFT_CACHE === 'off') return undefined
  const file = secretFile()
  let s = secrets.get(file)
  if (s === undefined) {
    secrets.set(file, (s = cacheSecret()))
    if (typeof s === 'string')
      process.stderr.write(`drift: compile cache: no signing key (${s}); compiled functions stay in memory\n`)
  }
  return typeof s === 'string' ? undefined : s
}

/** The largest entry read (the stdlib's largest programs write a few MB) and the largest source file hashed. */
export const MAX_ENTRY_BYTES = 256 * 2 ** 20
const MAX_SOURCE_BYTES = 64 * 2 ** 20

/**
 * The bytes of FILE when it is a regular file of at most `max` bytes, else undefined (absent,
 * another kind of file, too large). Opened without blocking, so a FIFO placed there cannot hang the
 * reader, and checked on the open descriptor.
 */
function readRegular(file: string, max: number): Buffer | string | undefined {
  let fd: number
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)
  } catch {
    return undefined
  }
  try {
    const st = fs.fstatSync(fd)
    if (!st.isFile()) return 'it is not a regular file'
    if (st.size > max) return `it has ${st.size} bytes, more than the ${max} allowed`
    return fs.readFileSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

/** One line on stderr: a disk entry is not used, and why. */
function discard(file: string, why: string): undefined {
  process.stderr.write(`drift: compile cache: ignoring ${file}: ${why.replace(/\s+/g, ' ')}; compiling again\n`)
  return undefined
}

/**
 * The specialization stored under `key`, from memory or from disk. A disk entry is used only when
 * it is intact (its HMAC under this user's secret), every field passes the schema, its graph verifies, every source file
 * it was compiled from is unchanged, and `check` (the caller's test against the signature it asked
 * for) finds no problem. A damaged, tampered or mismatched entry is ignored with a one-line warning
 * and compiled again; a stale one (a source changed) silently.
 */
export function lookup(key: string, check?: (s: Specialized) => string | undefined): Specialized | undefined {
  const m = memory.get(key)
  if (m) {
    cacheStats.memoryHits++
    return m
  }
  const secret = diskSecret()
  if (!secret) return undefined
  const file = path.join(cacheDir(), `${key}.json`)
  const bytes = readRegular(file, MAX_ENTRY_BYTES)
  if (bytes === undefined) return undefined // absent: compile (and write it)
  if (typeof bytes === 'string') return discard(file, bytes)
  let entry: DiskEntry
  try {
    entry = decodeEntry(bytes.toString('utf8'), key, secret)
  } catch (e) {
    if (e instanceof CacheEntryError) return discard(file, e.message)
    throw e
  }
  const fresh = entry.files.every((f) => {
    const src = readRegular(f.path, MAX_SOURCE_BYTES)
    return src instanceof Buffer && sha256(src) === f.sha
  })
  if (!fresh) return undefined
  const problem = check?.(entry.value)
  if (problem) return discard(file, problem)
  memory.set(key, entry.value)
  cacheStats.diskHits++
  return entry.value
}

export function store(key: string, value: Specialized): void {
  cacheStats.compiles++
  memory.set(key, value)
  const secret = diskSecret()
  if (!secret) return
  const files = value.files.map((p) => ({ path: p, sha: sha256(fs.readFileSync(p)) }))
  const dir = cacheDir()
  fs.mkdirSync(dir, { recursive: true })
  writeAtomic(path.join(dir, `${key}.json`), encodeEntry({ key, files, value }, secret))
}

/** Forget the in-memory entries (tests use this to exercise the disk cache). */
export function clearMemoryCache(): void {
  memory.clear()
}
