/**
 * The jit cache: specializations keyed by (compiler, function, argument signature), in memory
 * and on disk (`.drift-cache/`, or DRIFT_CACHE_DIR; DRIFT_CACHE=off disables the disk). A disk
 * entry is valid while every source file it was compiled from is unchanged.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Specialized } from '../frontend/specialize.js'
import { writeAtomic } from './atomicWrite.js'

const COMPILER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex')

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

export const cacheKey = (parts: unknown): string => sha(JSON.stringify([compilerFingerprint(), parts])).slice(0, 32)

const cacheDir = () => process.env.DRIFT_CACHE_DIR ?? path.join(process.cwd(), '.drift-cache')
const diskEnabled = () => process.env.DRIFT_CACHE !== 'off'

interface DiskEntry {
  files: { path: string; sha: string }[]
  value: Specialized
}

export function lookup(key: string): Specialized | undefined {
  const m = memory.get(key)
  if (m) {
    cacheStats.memoryHits++
    return m
  }
  if (!diskEnabled()) return undefined
  const file = path.join(cacheDir(), `${key}.json`)
  let entry: DiskEntry
  try {
    entry = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return undefined // absent or unreadable: compile again (and overwrite)
  }
  const fresh = entry.files.every((f) => fs.existsSync(f.path) && sha(fs.readFileSync(f.path)) === f.sha)
  if (!fresh) return undefined
  memory.set(key, entry.value)
  cacheStats.diskHits++
  return entry.value
}

export function store(key: string, value: Specialized): void {
  cacheStats.compiles++
  memory.set(key, value)
  if (!diskEnabled()) return
  const entry: DiskEntry = { files: value.files.map((p) => ({ path: p, sha: sha(fs.readFileSync(p)) })), value }
  const dir = cacheDir()
  fs.mkdirSync(dir, { recursive: true })
  writeAtomic(path.join(dir, `${key}.json`), JSON.stringify(entry))
}

/** Forget the in-memory entries (tests use this to exercise the disk cache). */
export function clearMemoryCache(): void {
  memory.clear()
}
