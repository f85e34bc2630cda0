/**
 * Entry points from host code and the CLI: dsl(g) of a named function is found by the position of
 * its dsl( call like dsl((x) => …); a plain exported function is refused with D301, not compiled.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { tensor, type Mat } from '../dsl/index.js'
import { inspect } from '../compiler/cli/inspect.js'
import { expectClose } from './helpers.js'
import { halfSquareDsl, laplaceDsl, logCoshDsl } from './corpus/accepted/entries.js'

beforeAll(() => {
  process.env.DRIFT_CACHE = 'off'
})

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
      1e-12,
      'logCosh',
    )
    expectClose(
      (await halfSquareDsl.reference(x)).data,
      values.map((v) => 0.5 * v * v),
      1e-12,
      'halfSquare',
    )
    const a = tensor([
      [0.5, -1.5],
      [2, 3],
    ]) as Mat
    const b = tensor([[1, 0]]) as Mat
    const want = [0.5 ** 2 + 1.5 ** 2, 1 ** 2 + 3 ** 2].map((d2) => Math.exp(-Math.sqrt(d2 + 1e-8) / 2))
    expectClose((await laplaceDsl.reference(a, b, 2)).data, want, 1e-12, 'laplace')
  })

  test('drift inspect prints the IR of dsl(g)', () => {
    const lines: string[] = []
    inspect({ file: 'test/corpus/accepted/entries.ts', fn: 'logCoshDsl', shapes: 'x=2x3', dump: 'ir' }, (s) =>
      lines.push(s),
    )
    expect(lines[0]).toMatch(/^\{ lambda x:f32\[2,3\] \./)
    expect(lines.join('\n')).toMatch(/log/)
  })

  test('drift inspect refuses a plain exported function with the D301 diagnostic', () => {
    expect(() =>
      inspect({ file: 'test/corpus/rejected/entries.ts', fn: 'plainFunction', shapes: 'x=2x3', dump: 'ir' }, () => {}),
    ).toThrow(/error D301 \(entry point\): 'plainFunction' is a plain function/)
  })
})
