/**
 * Random well-formed DSL programs (test/fuzz/generate.ts), written as TypeScript source and
 * compiled by the real frontend, on every backend that runs here against the float64 reference.
 * CI checks 30 programs from the test's fixed seed (DRIFT_TEST_SEED replays another); a longer run
 * is `npm run fuzz -- --programs 1000 --seed N`. A failure prints the program's source and seed.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { generateProgram } from './fuzz/generate.js'
import { FUZZ_BACKENDS, checkProgram, makeRuntimes, report } from './fuzz/check.js'
import { testSeed } from './helpers.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-fuzz-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
const runtimes = makeRuntimes()
const PROGRAMS = 30

describe('fuzz', () => {
  test(`${PROGRAMS} random programs agree with the float64 reference on ${FUZZ_BACKENDS.join(', ')}`, async () => {
    const seed = testSeed() % (2 ** 31 - PROGRAMS)
    const reports: string[] = []
    for (let k = 0; k < PROGRAMS; k++) {
      const p = generateProgram(seed + k)
      const failures = await checkProgram(p, dir, runtimes)
      if (failures.length) reports.push(report(p, failures))
    }
    expect(reports.join('\n\n'), `programs of seeds ${seed} to ${seed + PROGRAMS - 1}`).toBe('')
  }, 120_000)

  test('the same seed gives the same program; another seed another', () => {
    expect(generateProgram(7).source).toBe(generateProgram(7).source)
    expect(generateProgram(7).source).not.toBe(generateProgram(8).source)
  })

  test('a backend 1% off, or one that throws, is reported with the program and its seed', async () => {
    const p = generateProgram(11)
    const off = {
      ...runtimes,
      wasm: async (...a: Parameters<typeof runtimes.wasm>) =>
        (await runtimes.wasm(...a)).map((o) => ({ ...o, data: o.data.map((v) => v * 1.01 + 0.01) })),
      cpu: async () => {
        throw new Error('lost the device')
      },
    }
    const failures = await checkProgram(p, dir, off)
    expect(
      failures.some((f) => /^wasm, output 0 \(L = \d+\): element \d+: got /.test(f)),
      failures.join('\n'),
    ).toBe(true)
    expect(failures).toContain('cpu: lost the device')
    expect(failures.filter((f) => /^(interpreter|webasm)/.test(f))).toEqual([])
    const text = report(p, failures)
    expect(text).toContain('fuzz program of seed 11 fails (replay: npm run fuzz -- --programs 1 --seed 11)')
    expect(text).toContain(p.source)
  })
})
