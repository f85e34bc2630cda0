/**
 * The accepted-program corpus: every DSL program under test/corpus/accepted (and the paper's
 * field in stdlib) compiles, and its float64 and float32 interpretations match a hand-written
 * float64 reference (test/corpus/reference.ts) on seeded random inputs; every failure names its seed
 * and the command that replays it.
 */
import { expect, test } from 'vitest'
import { expectClose, lower, rootPath, run, seeded } from './helpers.js'
import { accumulationLengths, float32Tolerance, float64Tolerance } from './tolerance.js'
import { CASES } from './corpus/accepted-cases.js'
import { arr } from './corpus/reference.js'

test('the corpus has at least 32 programs, each with a unique name', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(32)
  expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length)
})

test.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) =>
  seeded((r) => {
    const where = c.name
    const args = typeof c.args === 'function' ? c.args(r) : c.args
    const spec = lower(rootPath(c.file), c.fn, args)
    const ins = c.inputs(r)
    const want = c.ref(ins.map(arr), args)
    const got64 = run(spec, ins, 'f64')
    const got32 = run(spec, ins, 'f32')
    const lengths = accumulationLengths(spec.graph)
    expect(got64.length, `${where}: number of outputs`).toBe(want.length)
    want.forEach((w, i) => {
      expect(got64[i].shape, `${where}: shape of output ${i}`).toEqual(w.shape)
      // bounds per element above a floor of 16·√L roundings of the output's largest (test/tolerance.ts)
      expectClose(got64[i].data, w.data, float64Tolerance(lengths[i], w.data), `${where}: output ${i} (f64)`)
      const tol32 = c.tol32?.[i] ?? float32Tolerance(lengths[i], w.data)
      expectClose(got32[i].data, w.data, tol32, `${where}: output ${i} (f32)`)
    })
    c.check?.(got64, args)
  }),
)
