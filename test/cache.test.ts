/**
 * The compile cache read back from a disk someone else can write: a damaged, edited or crafted
 * entry is never run as code and never served. Each is ignored with one line on stderr, compiled
 * again, and the result is right. The entries are edited the way a hostile or careless user would:
 * a lambda constant replaced by JavaScript, a literal or an operation changed, the HMAC
 * re-signed after the edit (by one who has read the secret), an entry copied under another key or
 * from another user's cache, a nesting too deep to walk.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createHmac } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { tensor, type Mat } from '../dsl/index.js'
import { cacheStats, clearMemoryCache } from '../compiler/runtime/cache.js'
import { emitKernel } from '../compiler/backend/gpujs/emit.js'
import { kernelImports } from '../compiler/backend/wasm/imports.js'
import type { Kernel, KExpr } from '../compiler/kernel/types.js'
import { shiftedExp } from './fixtures/cache.js'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-cache-tamper-'))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))
const marker = path.join(work, 'marker')
process.env.DRIFT_CACHE_KEY_FILE = path.join(work, 'secret', 'cache-key')

const x = tensor([[-1.5, 0, 0.25, 2]]) as Mat
/** exp(v) + 1 in float64, the reference's own arithmetic. */
const want = Array.from(x.data, (v) => Math.exp(v) + 1)

let warnings: string[] = []
let dirs = 0
beforeEach(() => {
  process.env.DRIFT_CACHE_DIR = path.join(work, `cache-${dirs++}`)
  delete process.env.DRIFT_CACHE
  clearMemoryCache()
  warnings = []
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (String(s) && warnings.push(String(s)), true))
})
afterEach(() => vi.restoreAllMocks())

/** Compile shiftedExp for x into a fresh cache directory; the path of its one entry. */
async function entryFile(): Promise<string> {
  await shiftedExp.reference(x)
  clearMemoryCache()
  const dir = process.env.DRIFT_CACHE_DIR!
  const files = fs.readdirSync(dir)
  expect(files).toHaveLength(1)
  return path.join(dir, files[0])
}

/**
 * Edit an entry's text; with `resign`, write the HMAC of the edited body under this user's secret
 * into its header, as an attacker who has read the secret would: then only the schema stands.
 */
function tamper(file: string, edit: (text: string) => string, resign = false): void {
  const text = fs.readFileSync(file, 'utf8')
  const edited = edit(text)
  expect(edited, 'the edit changes the entry').not.toBe(text)
  const m = /^drift-cache 2 [0-9a-f]{64}\n/.exec(edited)
  const body = m ? edited.slice(m[0].length) : edited
  const mac = createHmac('sha256', fs.readFileSync(process.env.DRIFT_CACHE_KEY_FILE!)).update(body).digest('hex')
  fs.writeFileSync(file, resign && m ? `drift-cache 2 ${mac}\n${body}` : edited)
}

/** The entry is ignored with one warning naming it and why, compiled again, and the result is exp(x) + 1. */
async function refusedAndRecompiled(file: string, why: RegExp): Promise<void> {
  const compiles = cacheStats.compiles
  const got = await shiftedExp.reference(x)
  expect(Array.from(got.data), 'the recompiled result').toEqual(want)
  expect(cacheStats.compiles, 'compiled again').toBe(compiles + 1)
  expect(warnings, 'one warning').toHaveLength(1)
  expect(warnings[0]).toMatch(/^drift: compile cache: ignoring .*\.json: .*; compiling again\n$/)
  expect(warnings[0]).toContain(file)
  expect(warnings[0]).toMatch(why)
  expect(warnings[0].trimEnd()).not.toContain('\n')
  // the entry written again is a good one: the next fresh process reads it without a word
  clearMemoryCache()
  const diskHits = cacheStats.diskHits
  expect(Array.from((await shiftedExp.reference(x)).data)).toEqual(want)
  expect(cacheStats.diskHits).toBe(diskHits + 1)
  expect(warnings).toHaveLength(1)
}

const CODE = `0+(process.getBuiltinModule('fs').writeFileSync(${JSON.stringify(marker)},'ran'),0)`
const injectCode = (text: string) => text.replace('"v":1,', `"v":${JSON.stringify(CODE)},`)

describe('a tampered compile-cache entry', () => {
  test('an intact entry is read back without a warning', async () => {
    await entryFile()
    const diskHits = cacheStats.diskHits
    expect(Array.from((await shiftedExp.reference(x)).data)).toEqual(want)
    expect(cacheStats.diskHits).toBe(diskHits + 1)
    expect(warnings).toEqual([])
  })

  test('JavaScript in a lambda constant does not run: the HMAC catches the edit', async () => {
    const file = await entryFile()
    tamper(file, injectCode)
    await refusedAndRecompiled(
      file,
      /HMAC does not match its contents \(damaged, edited, or not written by this user\)/,
    )
    expect(fs.existsSync(marker), 'the injected code ran').toBe(false)
  })

  test('JavaScript in a lambda constant with a re-signed HMAC does not run: the schema refuses it', async () => {
    const file = await entryFile()
    tamper(file, injectCode, true)
    await refusedAndRecompiled(file, /value\.graph\.eqns\[0\]\.params\.body\.b\.v is "0\+\(process.*expected a number/)
    expect(fs.existsSync(marker), 'the injected code ran').toBe(false)
  })

  test('a changed literal (1 → 1000) is caught', async () => {
    const file = await entryFile()
    tamper(file, (t) => t.replace('"v":1,', '"v":1000,'))
    await refusedAndRecompiled(
      file,
      /HMAC does not match its contents \(damaged, edited, or not written by this user\)/,
    )
  })

  test('a changed operation (exp → log) is caught', async () => {
    const file = await entryFile()
    tamper(file, (t) => t.replace('"op":"exp"', '"op":"log"'))
    await refusedAndRecompiled(
      file,
      /HMAC does not match its contents \(damaged, edited, or not written by this user\)/,
    )
  })

  test('an operation that is no operation, with a re-signed HMAC, is refused by name', async () => {
    const file = await entryFile()
    tamper(file, (t) => t.replace('"op":"exp"', '"op":"exp\\"); require(\\"fs\\")//"'), true)
    await refusedAndRecompiled(file, /\.op is "exp\\"\); require.* not a unary operation/)
  })

  test('an entry for other shapes, rewritten consistently with a re-signed HMAC, does not fit the call', async () => {
    const file = await entryFile()
    tamper(file, (t) => t.replaceAll('"shape":[1,4]', '"shape":[1,5]'), true)
    await refusedAndRecompiled(file, /graph input 0 is f32\[1,5\], the call binds f32\[1,4\]/)
  })

  test('an entry copied under another key is refused', async () => {
    const file = await entryFile()
    const small = tensor([[1, 2]]) as Mat
    await shiftedExp.reference(small)
    clearMemoryCache()
    const other = fs.readdirSync(path.dirname(file)).find((f) => path.join(path.dirname(file), f) !== file)!
    fs.copyFileSync(file, path.join(path.dirname(file), other))
    const compiles = cacheStats.compiles
    expect(Array.from((await shiftedExp.reference(small)).data)).toEqual([1, 2].map((v) => Math.exp(v) + 1))
    expect(cacheStats.compiles).toBe(compiles + 1)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/the entry belongs to key [0-9a-f]{32}; compiling again/)
  })

  test('an entry signed with another secret (a cache from elsewhere) is refused', async () => {
    const file = await entryFile()
    const own = process.env.DRIFT_CACHE_KEY_FILE
    process.env.DRIFT_CACHE_KEY_FILE = path.join(work, 'other-secret', 'cache-key')
    try {
      await refusedAndRecompiled(
        file,
        /HMAC does not match its contents \(damaged, edited, or not written by this user\)/,
      )
    } finally {
      process.env.DRIFT_CACHE_KEY_FILE = own
    }
  })

  test('a secret others can read is not used: compiled functions stay in memory, said once', async () => {
    const own = process.env.DRIFT_CACHE_KEY_FILE
    const open = path.join(work, 'open-secret')
    fs.writeFileSync(open, Buffer.alloc(32, 7), { mode: 0o644 })
    fs.chmodSync(open, 0o644)
    process.env.DRIFT_CACHE_KEY_FILE = open
    try {
      expect(Array.from((await shiftedExp.reference(x)).data)).toEqual(want)
      clearMemoryCache()
      expect(Array.from((await shiftedExp.reference(x)).data)).toEqual(want)
      expect(warnings).toEqual([
        `drift: compile cache: no signing key (${open} can be read or written by others (make it private: chmod 600)); compiled functions stay in memory\n`,
      ])
      expect(fs.existsSync(process.env.DRIFT_CACHE_DIR!), 'an entry was written').toBe(false)
    } finally {
      process.env.DRIFT_CACHE_KEY_FILE = own
    }
  })

  test('a lambda nested 200 000 deep, with a re-signed HMAC, is refused before it is walked', async () => {
    const file = await entryFile()
    const deep =
      '{"k":"un","op":"neg","a":'.repeat(200_000) + '{"k":"in","i":0,"dtype":"f32"}' + ',"dtype":"f32"}'.repeat(200_000)
    tamper(file, (t) => t.replace('{"k":"in","i":0,"dtype":"f32"}', deep), true)
    await refusedAndRecompiled(file, /nests 2000\d\d levels deep, at most \d+ are allowed/)
  })

  test('an entry that is a FIFO is refused without blocking', async () => {
    const file = await entryFile()
    fs.rmSync(file)
    execFileSync('mkfifo', [file])
    const got = await shiftedExp.reference(x)
    expect(Array.from(got.data)).toEqual(want)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/it is not a regular file; compiling again/)
  })
})

describe('code generation from checked data only', () => {
  const kernel = (result: KExpr, buffers = ['x']): Kernel => ({
    name: 'k_test',
    out: { buf: 'out', shape: [4], dtype: 'f32' },
    grid: [4],
    buffers,
    scalars: [],
    body: [],
    result,
    maxLoop: 0,
    fused: [],
  })
  const load: KExpr = { k: 'load', buf: 'x', index: { k: 'ref', name: 'tx' } }

  test('the gpu.js emitter writes a checked kernel', () => {
    expect(emitKernel(kernel({ k: 'un', op: 'exp', a: load }))).toContain('return Math.exp(x[tx]);')
  })

  test.each([
    ['an operation outside the tables', { k: 'un', op: 'exp(0)); process.exit(1); Math.exp', a: load }, ['x']],
    ['a prototype name as an operation', { k: 'bin', op: 'constructor', a: load, b: load }, ['x']],
    ['a string as a number', { k: 'num', v: '1); process.exit(1); (1' as unknown as number }, ['x']],
    ['a buffer name that is not an identifier', load, ['x) { process.exit(1) } function f(x']],
    ['a variable name that is not an identifier', { k: 'ref', name: 'tx; process.exit(1)' }, ['x']],
  ] as const)('the gpu.js emitter refuses %s', (_, result, buffers) => {
    expect(() => emitKernel(kernel(result as KExpr, [...buffers]))).toThrow(/internal: a kernel for gpu\.js holds/)
  })

  test('the wasm backend imports no function for a prototype name', () => {
    expect(() => kernelImports(kernel({ k: 'un', op: 'constructor', a: load }))).toThrow(
      /no host implementation of 'constructor'/,
    )
  })
})
