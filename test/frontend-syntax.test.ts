/**
 * Syntax errors are D100 diagnostics with TypeScript's message and location, reported before
 * anything in the file is evaluated, for the entry file and for every DSL module it reads. Type errors are not
 * the frontend's business. The sources are not valid TypeScript, so they are written here.
 */
import { spawnSync } from 'node:child_process'
import { afterAll, describe, expect, test } from 'vitest'
import { ROOT, T, lower } from './helpers.js'
import { HEAD, diagnosticsOf, position, sourceDir } from './sources.js'

const dir = sourceDir()
afterAll(() => dir.remove())
const M = [T([3, 4])]

describe('syntax errors', () => {
  test("x.mul(2 3): ',' expected, at the 3", () => {
    const text = `${HEAD}export const f = dsl((x: Mat) => x.mul(2 3))\n`
    const file = dir.write('missingComma.ts', text)
    const [d, ...rest] = diagnosticsOf(file, 'f', M)
    expect(rest).toEqual([])
    expect(d.code).toBe('D100')
    expect(d.loc).toEqual({ file, line: 2, col: position(text, 'mul(2 ⟨3')[1] })
    expect(d.message).toBe("',' expected.")
    expect(d.found).toBe('export const f = dsl((x: Mat) => x.mul(2 3))')
    expect(d.fix).toMatch(/TS1005/)
  })

  test('return x.exp( : every error of the file, each located', () => {
    const text = `${HEAD}export const f = dsl((x: Mat) => {\n  return x.exp(\n})\n`
    const file = dir.write('unclosedCall.ts', text)
    const ds = diagnosticsOf(file, 'f', M)
    expect(ds.length).toBeGreaterThanOrEqual(1)
    for (const d of ds) expect(d.code).toBe('D100')
    expect(ds[0].message).toMatch(/expected/)
    expect([ds[0].loc.line, ds[0].loc.col]).toEqual(position(text, '⟨})'))
  })

  test('an error in an imported DSL module is reported in that module, before anything in it is evaluated', () => {
    const helper = `import type { Mat } from 'drift-dsl'\nexport const double = (x: Mat) => x.mul(2 2)\n`
    dir.write('brokenHelper.ts', helper)
    const file = dir.write(
      'usesHelper.ts',
      `${HEAD}import { double } from './brokenHelper.js'\nexport const f = dsl((x: Mat) => double(x))\n`,
    )
    const [d] = diagnosticsOf(file, 'f', M)
    expect(d.code).toBe('D100')
    expect(d.loc.file).toBe(dir.write('brokenHelper.ts', helper))
    expect([d.loc.line, d.loc.col]).toEqual(position(helper, 'mul(2 ⟨2'))
  })

  test('a type error is not a syntax error: it compiles', () => {
    const file = dir.write(
      'typeError.ts',
      `${HEAD}export const f = dsl((x: Mat) => {\n  const s: string = x\n  return s\n})\n`,
    )
    expect(lower(file, 'f', M).graph.outputs).toHaveLength(1)
  })

  test('drift inspect refuses the file with the diagnostic and a non-zero exit', () => {
    const text = `${HEAD}export const f = dsl((x: Mat) => x.mul(2 3))\n`
    const file = dir.write('cli.ts', text)
    const r = spawnSync(process.execPath, ['bin/drift.mjs', 'inspect', file, '--fn', 'f', '--shapes', 'x=3x4'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, DRIFT_CACHE: 'off' },
    })
    expect(r.status).not.toBe(0)
    expect(r.stdout).toBe('')
    const [line, col] = position(text, 'mul(2 ⟨3')
    expect(r.stderr).toContain(`cli.ts:${line}:${col}: error D100 (syntax error): ',' expected.`)
  }, 60_000)
})
