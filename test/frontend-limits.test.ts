/**
 * Sources that used to overflow the stack (inside the evaluator, ts-morph or TypeScript's parser)
 * become located D111 diagnostics: the sources are generated here, too large for the corpus.
 * The budget cases (huge loops, doubling arrays, exponential calls) are in test/corpus/rejected/limits.ts.
 */
import { afterAll, describe, expect, test } from 'vitest'
import { T, lower } from './helpers.js'
import { HEAD, diagnosticsOf, position, sourceDir } from './sources.js'

const dir = sourceDir()
afterAll(() => dir.remove())
const M = [T([3, 4])]

/** Compile `f` of a generated source; its one diagnostic, with the line and column it points at. */
function reject(name: string, text: string) {
  const file = dir.write(name, text)
  const ds = diagnosticsOf(file, 'f', M)
  expect(ds).toHaveLength(1)
  expect(ds[0].loc.file).toBe(file)
  return { ...ds[0], at: [ds[0].loc.line, ds[0].loc.col] }
}

describe('deep nesting is a located D111', { timeout: 120_000 }, () => {
  test('2000 chained method calls: at the chain, where its syntax tree passes 256 levels', () => {
    const text = `${HEAD}export const f = dsl((x: Mat) => x${'.add(1)'.repeat(2000)})\n`
    const d = reject('chain.ts', text)
    expect(d.code).toBe('D111')
    expect(d.at).toEqual(position(text, '=> ⟨x.add'))
    expect(d.message).toMatch(/nest more than 256 levels deep/)
    expect(d.fix).toMatch(/const bindings/)
  })

  test('1000 nested parentheses: at the 257th, before TypeScript parses the file', () => {
    const text = `${HEAD}export const f = dsl((x: Mat) => ${'('.repeat(1000)}x${')'.repeat(1000)})\n`
    const d = reject('parens.ts', text)
    expect(d.code).toBe('D111')
    // dsl( is the first open bracket: the 256th parenthesis of the run is the 257th
    const [line, col] = position(text, '=> ⟨(')
    expect(d.at).toEqual([line, col + 255])
    expect(d.message).toMatch(/brackets nest more than 256 levels deep/)
  })

  test('3000 nested arrow functions: at the bracket that passes 256 levels', () => {
    const text = `${HEAD}export const f = dsl((x: Mat) => ${'((a: Mat) => '.repeat(3000)}x${')'.repeat(3000)})\n`
    const d = reject('arrows.ts', text)
    expect(d.code).toBe('D111')
    // dsl( is open, then arrow k (from 0) opens its parenthesis at depth k + 2 and its parameter
    // list at depth k + 3: the parameter list of arrow 254 is the first bracket at depth 257
    const [line, col] = position(text, '=> ⟨((a: Mat)')
    expect(d.at).toEqual([line, col + '((a: Mat) => '.length * 254 + 1])
    expect(d.message).toMatch(/brackets nest more than 256 levels deep/)
  })

  test('20000 nested unary minus (no brackets): the parser runs out of stack, reported for the file', () => {
    const text = `${HEAD}export const f = dsl((x: Mat) => x.mul(${'- '.repeat(20000)}1))\n`
    const d = reject('unary.ts', text)
    expect(d.code).toBe('D111')
    expect(d.at).toEqual([1, 1])
    expect(d.message).toMatch(/parser ran out of stack/)
  })

  test('calls 60 deep, each inside 12 parentheses: evaluation nests past 512 levels', () => {
    const helpers = Array.from(
      { length: 60 },
      (_, i) => `function g${i}(x: Mat): Mat {\n  return ${'('.repeat(12)}g${i + 1}(x)${')'.repeat(12)}\n}\n`,
    )
    const text = `${HEAD}${helpers.join('')}function g60(x: Mat): Mat {\n  return x\n}\nexport const f = dsl((x: Mat) => g0(x))\n`
    const d = reject('calls.ts', text)
    expect(d.code).toBe('D111')
    expect(d.message).toMatch(/evaluation nests more than 512 expressions and statements deep/)
    // the entry's call g0(x) is level 1; helper i's return is level 2 + 14i and its j-th parenthesis
    // 2 + 14i + j: level 513 is the 7th parenthesis of helper 36
    expect(d.at).toEqual(position(text, `return ${'('.repeat(6)}⟨${'('.repeat(6)}g37(x)`))
  })
})

describe('DRIFT_EVAL_BUDGET multiplies the budget', () => {
  const text = `${HEAD}export const f = dsl((x: Mat) => {\n  let total = 0\n  for (let i = 0; i < 5000; i++) total = total + i\n  return x.add(total)\n})\n`
  const withBudget = <T>(value: string, body: () => T): T => {
    const saved = process.env.DRIFT_EVAL_BUDGET
    process.env.DRIFT_EVAL_BUDGET = value
    try {
      return body()
    } finally {
      if (saved === undefined) delete process.env.DRIFT_EVAL_BUDGET
      else process.env.DRIFT_EVAL_BUDGET = saved
    }
  }

  test('a loop of 5000 iterations fits the default budget, not a hundredth of it', () => {
    const file = dir.write('budget.ts', text)
    expect(lower(file, 'f', M).graph.eqns.length).toBeGreaterThan(0)
    const d = withBudget('0.01', () => diagnosticsOf(file, 'f', M)[0])
    expect(d.code).toBe('D111')
    expect([d.loc.line, d.loc.col]).toEqual(position(text, 'for (let i = 0; i < 5000'))
    expect(d.message).toMatch(/budget of 10,000 steps/)
    expect(d.fix).toMatch(/DRIFT_EVAL_BUDGET=4/)
  })

  test('a value that is not a positive number is refused, not ignored', () => {
    const file = dir.write('budget.ts', text)
    for (const bad of ['lots', '0', '-2']) {
      const d = withBudget(bad, () => diagnosticsOf(file, 'f', M)[0])
      expect(d.code).toBe('D111')
      expect(d.message).toBe(`DRIFT_EVAL_BUDGET='${bad}' is not a positive number`)
      expect([d.loc.line, d.loc.col]).toEqual(position(text, 'dsl(⟨(x: Mat)'))
    }
  })
})
