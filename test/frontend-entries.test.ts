/**
 * Entry points from host code and the CLI: dsl(g) of a named function is found by the position of
 * its dsl( call like dsl((x) => …); a plain exported function is not an entry point (D301).
 */
import fs from 'node:fs'
import { beforeAll, describe, expect, test } from 'vitest'
import { tensor, type Mat } from '../dsl/index.js'
import { inspect } from '../compiler/cli/inspect.js'
import { DiagnosticError } from '../compiler/frontend/diagnostics.js'
import { findEntry } from '../compiler/frontend/specialize.js'
import { loadSourceFile } from '../compiler/frontend/project.js'
import { T, expectClose, lower, rootPath } from './helpers.js'
import { position } from './sources.js'
import { halfSquareDsl, laplaceDsl, logCoshDsl } from './corpus/accepted/entries.js'

beforeAll(() => {
  process.env.DRIFT_CACHE = 'off'
})

const PLAIN = rootPath('test/fixtures/plainEntries.ts')
const x = tensor([
  [0.5, -1.5, 2],
  [3, -0.25, 0],
]) as Mat

describe('dsl(g) entry points', () => {
  test('run from host code, located by their dsl( call', async () => {
    const values = Array.from(x.data)
    expectClose(
      (await logCoshDsl.reference(x)).data,
      values.map((v) => Math.log(Math.cosh(v))),
      // float64 against a closed form: every value is of order 1 or 0 exactly, so no absolute floor
      { rtol: 1e-12, atol: 0 },
      'logCosh',
    )
    expectClose(
      (await halfSquareDsl.reference(x)).data,
      values.map((v) => 0.5 * v * v),
      { rtol: 1e-12, atol: 0 },
      'halfSquare',
    )
    const a = tensor([
      [0.5, -1.5],
      [2, 3],
    ]) as Mat
    const b = tensor([[1, 0]]) as Mat
    const want = [0.5 ** 2 + 1.5 ** 2, 1 ** 2 + 3 ** 2].map((d2) => Math.exp(-Math.sqrt(d2 + 1e-8) / 2))
    expectClose((await laplaceDsl.reference(a, b, 2)).data, want, { rtol: 1e-12, atol: 0 }, 'laplace')
  })

  test('drift inspect prints the IR of dsl(g)', () => {
    const lines: string[] = []
    inspect({ file: 'test/corpus/accepted/entries.ts', fn: 'logCoshDsl', shapes: 'x=2x3', dump: 'ir' }, (s) =>
      lines.push(s),
    )
    expect(lines[0]).toMatch(/^\{ lambda x:f32\[2,3\] \./)
    expect(lines.join('\n')).toMatch(/log/)
  })
})

describe('plain exported functions', () => {
  test('a plain exported function is not an entry point: D301 at it, saying to wrap it', () => {
    const sf = loadSourceFile(PLAIN)
    const text = fs.readFileSync(PLAIN, 'utf8')
    const refused = (name: string) => {
      try {
        findEntry(sf, { file: PLAIN, exportName: name })
      } catch (e) {
        if (e instanceof DiagnosticError) return e.diagnostic
      }
      throw new Error(`findEntry accepted the plain function ${name}`)
    }
    const fn = refused('plainFunction')
    expect(fn.code).toBe('D301')
    expect([fn.loc.line, fn.loc.col]).toEqual(position(text, 'export function plainFunction'))
    expect(fn.message).toMatch(
      /'plainFunction' is a plain function, not a DSL function: entry points are wrapped in dsl/,
    )
    expect(fn.fix).toMatch(/export const plainFunctionDsl = dsl\(plainFunction\)/)
    const arrow = refused('plainArrow')
    expect([arrow.loc.line, arrow.loc.col]).toEqual(position(text, 'plainArrow = ⟨(x: Mat)'))
    expect(arrow.fix).toMatch(/wrap it: export const plainArrow = dsl\(/)
  })

  test('drift inspect refuses it; specialize still compiles it alone as a helper', () => {
    expect(() => inspect({ file: PLAIN, fn: 'plainFunction', shapes: 'x=2x3', dump: 'ir' }, () => {})).toThrow(
      /has no DSL function 'plainFunction'/,
    )
    expect(lower(PLAIN, 'plainFunction', [T([2, 3])]).graph.eqns.map((e) => e.prim)).toEqual(['exp'])
  })
})
