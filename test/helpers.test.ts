/**
 * The comparison the suites rest on: expectClose's per-element bound and its failure report, and
 * the shared float32 and float64 tolerances (test/tolerance.ts, the corpus's own), shown to pass a
 * correct float32 run and to fail a 1 % error in any one element that is not numerically zero.
 */
import { describe, expect, test } from 'vitest'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { CASES } from './corpus/accepted-cases.js'
import {
  EPS32,
  EPS64,
  expectClose,
  lower,
  maxAbs,
  randn,
  rootPath,
  run,
  scalar,
  seeded,
  T,
  type Tolerance,
} from './helpers.js'
import { accumulationLengths, float32Tolerance, float64Tolerance } from './tolerance.js'

/** The message expectClose throws, or '' when it passes. */
function failure(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what = ''): string {
  try {
    expectClose(got, want, tol, what)
    return ''
  } catch (e) {
    return (e as Error).message
  }
}

/** `want` with element i off by 1 % of itself. */
const onePercentOff = (want: ArrayLike<number>, i: number) =>
  Float64Array.from(want, (v, k) => (k === i ? v * 1.01 : v))

/** Whether a tolerance lets a 1 % error of this element pass: |want| ≤ atol / (0.01 − rtol), numerically zero to it. */
const exempt = (w: number, tol: Tolerance) => 0.01 * Math.abs(w) <= tol.rtol * Math.abs(w) + tol.atol

/**
 * A correct run passes, and a 1 % error in any one element fails unless the tolerance holds that
 * element numerically zero; returns how many nonzero elements it holds so (a 1 % error of an exact
 * 0 is no error).
 */
function expectSensitive(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what: string): number {
  expect(failure(got, want, tol, what), `${what}: the correct run`).toBe('')
  let exempted = 0
  for (let i = 0; i < want.length; i++) {
    if (exempt(want[i], tol)) exempted += want[i] === 0 ? 0 : 1
    else expect(failure(onePercentOff(want, i), want, tol), `${what}: 1 % off at ${i}`).not.toBe('')
  }
  return exempted
}

describe('expectClose', () => {
  test('bounds each element by rtol·|want| + atol, not by the largest element', () => {
    const want = [1000, 1e-3]
    expect(failure([1000, 1e-3 * (1 + 1e-7)], want, { rtol: 1e-6, atol: 0 })).toBe('')
    // the old max(1, max |want|) scale let the small element be off by 10 % here
    expect(failure([1000, 1.1e-3], want, { rtol: 1e-6, atol: 0 })).not.toBe('')
    expect(failure([1000, 1.1e-3], want, { rtol: 1e-6, atol: 2e-4 })).toBe('')
  })

  test('a failure names the worst element (index, got, want, bound) and how many are off', () => {
    const message = failure([1, 2.5, 3.01, 4], [1, 2, 3, 4], { rtol: 1e-3, atol: 0 }, 'V')
    expect(message).toMatch(
      /^V: 2 of 4 elements off; worst at index 1: got 2\.5, want 2, \|got − want\| = 0\.5 > bound 0\.002 \(rtol 0\.001·\|want\| \+ atol 0\)/,
    )
  })

  test('inside seeded(), a failure names the seed and the command that replays it', () =>
    seeded((_, seed) => {
      const message = failure([2], [1], { rtol: 0, atol: 0 })
      expect(message).toContain(`seed ${seed}; replay: DRIFT_TEST_SEED=${seed} npx vitest run test/helpers.test.ts`)
    }))

  test('NaN never passes, a non-finite want must be matched exactly, lengths must agree', () => {
    const loose = { rtol: 0.005, atol: 1 }
    expect(failure([NaN], [1], loose)).toMatch(/got NaN, want 1/)
    expect(failure([1], [NaN], loose)).not.toBe('')
    expect(failure([NaN, Infinity, -Infinity], [NaN, Infinity, -Infinity], loose)).toBe('')
    expect(failure([1e300], [Infinity], loose)).not.toBe('')
    expect(failure([1, 2], [1], loose)).toMatch(/got 2 elements, want 1/)
  })

  test('a bound that a 1 % error always passes, or a non-finite floor, is refused', () => {
    expect(failure([1], [1], { rtol: 0.01, atol: 0 })).toMatch(/rtol must lie in \[0, 0\.01\)/)
    expect(failure([1], [1], { rtol: 0, atol: NaN })).toMatch(/atol be finite/)
  })
})

describe('the shared tolerances pass a correct float32 run and fail a 1 % error in one element', () => {
  const PAPER = rootPath('stdlib/fields/paper.ts')

  test('paperField (float32 interpreter against float64): every element of V, L = P + M', () =>
    seeded((r) => {
      const spec = lower(PAPER, 'paperField', [T([48, 2]), T([64, 2]), T([48, 2]), T([])])
      const x = randn([48, 2], r)
      const ins = [x, randn([64, 2], r), x, scalar(0.2 + r())]
      const [want] = run(spec, ins, 'f64')
      const [got] = run(spec, ins, 'f32')
      const L = accumulationLengths(spec.graph)[0]
      expect(L).toBe(64 + 48)
      const tol = float32Tolerance(L, want.data)
      // the floor exempts only elements about 500 times smaller than the largest, and almost none are
      expect(tol.atol / 0.01 / maxAbs(want.data)).toBeLessThan(2.1e-3)
      expect(expectSensitive(got.data, want.data, tol, 'V')).toBeLessThanOrEqual(1)
    }))

  test('a 29-term contraction (float32 accumulation in plain loops): every element', () =>
    seeded((r) => {
      const [a, b] = [randn([37, 29], r), randn([29, 43], r)]
      const want = new Float64Array(37 * 43)
      const got = new Float64Array(37 * 43)
      for (let i = 0; i < 37; i++)
        for (let j = 0; j < 43; j++) {
          let [s, s32] = [0, 0]
          for (let k = 0; k < 29; k++) {
            s += a.data[i * 29 + k] * b.data[k * 43 + j]
            s32 = Math.fround(s32 + Math.fround(a.data[i * 29 + k] * b.data[k * 43 + j]))
          }
          ;[want[i * 43 + j], got[i * 43 + j]] = [s, s32]
        }
      expect(expectSensitive(got, want, float32Tolerance(29, want), 'a·b') / want.length).toBeLessThan(0.01)
    }))

  test('float64Tolerance: a float64 result off by a few roundings passes, a 1 % error in any element fails', () =>
    seeded((r) => {
      const spec = lower(PAPER, 'paperField', [T([24, 3]), T([30, 3]), T([24, 3]), T([])])
      const x = randn([24, 3], r)
      const [want] = run(spec, [x, randn([30, 3], r), x, scalar(0.5)])
      const rounded = Float64Array.from(want.data, (v) => v * (1 + 8 * EPS64))
      const tol = float64Tolerance(accumulationLengths(spec.graph)[0], want.data)
      expect(expectSensitive(rounded, want.data, tol, 'V (float64)')).toBe(0)
    }))

  test('the corpus: for every program and float output, the float32 interpreter passes its bound and a 1 % error in any element that is not numerically zero fails', () =>
    seeded((r) => {
      let [exempted, elements] = [0, 0]
      for (const c of CASES) {
        const args = typeof c.args === 'function' ? c.args(r) : c.args
        const spec = lower(rootPath(c.file), c.fn, args)
        const ins: NDArray[] = c.inputs(r)
        const [want, got] = [run(spec, ins, 'f64'), run(spec, ins, 'f32')]
        const lengths = accumulationLengths(spec.graph)
        want.forEach((w, i) => {
          if (w.dtype !== 'f32') return
          const tol = c.tol32?.[i] ?? float32Tolerance(lengths[i], w.data)
          exempted += expectSensitive(got[i].data, w.data, tol, `${c.name} output ${i}`)
          elements += w.data.length
        })
      }
      // observed: 29 of about 9 000, most of them probabilities below float32's normal range
      expect(exempted / elements).toBeLessThan(0.01)
    }))

  test('softmax(50x) probabilities are checked relative to themselves down to float32’s smallest normal number', () =>
    seeded((r) => {
      const c = CASES.find((k) => k.name === 'reductions/softmax and logSoftmax')!
      const spec = lower(rootPath(c.file), c.fn, c.args as never)
      const want = run(spec, c.inputs(r), 'f64')[5].data
      const tol = c.tol32![5]
      // a probability of 1e-30 with a 1 % error fails; the generic floor would have let it pass
      const tiny = Array.from(want).findIndex((p) => p > 1e-36 && p < 1e-6)
      expect(tiny, 'a probability between 1e-36 and 1e-6').toBeGreaterThanOrEqual(0)
      expect(failure(onePercentOff(want, tiny), want, tol)).not.toBe('')
      expect(failure(onePercentOff(want, tiny), want, float32Tolerance(7, want))).toBe('')
      expect(tol.rtol).toBeLessThan(0.01)
      expect(tol.rtol / EPS32).toBe(128)
    }))
})
