/**
 * The sample-quality metrics of stdlib/metrics: improved precision and recall (Kynkäänniemi et al.
 * 2019) on cases with known answers and against a plain float64 computation over more rows than one
 * block, its DSL parts (k-th nearest neighbour with duplicates, inside-a-ball) compiled for wasm
 * against plain loops, and the class accuracy of labelled samples with ties. Seeds are fixed per
 * test (DRIFT_TEST_SEED replays another); every failure names its seed.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { setBackend, Tensor, type Mat, type Vec } from '../dsl/index.js'
import { BLOCK_ROWS, inBalls, kthNearest, precisionRecall } from '../stdlib/metrics/precisionRecall.js'
import { classAccuracy } from '../stdlib/metrics/classAccuracy.js'
import { randn, seeded } from './helpers.js'

beforeAll(() => setBackend('wasm'))

type Rows = number[][]
const mat = (rows: Rows): Mat => new Tensor(Float32Array.from(rows.flat()), [rows.length, rows[0].length], 'f32')
const rowsOf = (m: Mat): Rows =>
  Array.from({ length: m.shape[0] }, (_, i) => Array.from(m.data.slice(i * m.shape[1], (i + 1) * m.shape[1])))
const gaussian = (n: number, d: number, r: () => number, centre: number[] = new Array(d).fill(0)): Mat => {
  const draw = randn([n, d], r)
  return mat(
    rowsOf(new Tensor(Float32Array.from(draw.data), [n, d], 'f32')).map((row) => row.map((v, j) => v + centre[j])),
  )
}
const sq = (a: number[], b: number[]) => a.reduce((s, v, k) => s + (v - b[k]) ** 2, 0)

/** Plain float64: the k-th smallest squared distance from each row of q to the rows of y (duplicates counted). */
const refKth = (q: Rows, y: Rows, k: number) => q.map((a) => y.map((b) => sq(a, b)).sort((u, v) => u - v)[k - 1])
function refPrecisionRecall(real: Rows, gen: Rows, k: number) {
  const radii = (set: Rows) => refKth(set, set, k + 1)
  const cover = (q: Rows, centres: Rows, r2: number[]) =>
    q.filter((a) => centres.some((c, j) => sq(a, c) <= r2[j])).length / q.length
  return { precision: cover(gen, real, radii(real)), recall: cover(real, gen, radii(gen)) }
}

describe('k-NN precision and recall', () => {
  test('k-th nearest neighbour with duplicates and ties, compiled for wasm, against plain loops', () =>
    seeded(async (r) => {
      // integer points: distances are exact in float32, and ties are many
      const pts = Array.from({ length: 40 }, () => [Math.floor(r() * 4), Math.floor(r() * 4)])
      for (const k of [1, 2, 4, 7]) {
        const got = await kthNearest.run(mat(pts.slice(0, 13)), mat(pts), k)
        expect(Array.from(got.data), `k = ${k}`).toEqual(refKth(pts.slice(0, 13), pts, k))
      }
    }))

  test('inside a ball: the ball is closed, and one ball is enough', async () => {
    const centres = mat([
      [0, 0],
      [10, 0],
    ])
    const radii2: Vec = new Tensor(Float32Array.of(4, 1), [2], 'f32')
    const q = mat([
      [2, 0],
      [2.01, 0],
      [9, 0],
      [8.9, 0],
      [5, 5],
    ])
    expect(Array.from((await inBalls.run(q, centres, radii2)).data)).toEqual([1, 0, 1, 0, 0])
  })

  test('a set against itself: precision and recall 1', () =>
    seeded(async (r) => {
      const x = gaussian(300, 5, r)
      expect(await precisionRecall(x, x)).toEqual({ precision: 1, recall: 1 })
    }))

  test('far apart: precision and recall 0', () =>
    seeded(async (r) => {
      const [real, gen] = [gaussian(200, 4, r), gaussian(150, 4, r, [100, 0, 0, 0])]
      expect(await precisionRecall(real, gen)).toEqual({ precision: 0, recall: 0 })
    }))

  test('one generated point far away halves the precision; two generated points spanning the data give recall 1', async () => {
    // real points 0, 1, …, 9 on a line: with k = 1 every ball has radius 1. Generated: 0.5 (inside) and
    // 20 (outside); each generated ball reaches the other generated point, 19.5 away, covering all the data.
    const real = mat(Array.from({ length: 10 }, (_, i) => [i]))
    expect(await precisionRecall(real, mat([[0.5], [20]]), 1)).toEqual({ precision: 0.5, recall: 1 })
  })

  test('a generator that drops one of two equal modes: precision 1, recall 1/2', () =>
    seeded(async (r) => {
      const [a, b] = [gaussian(250, 3, r), gaussian(250, 3, r, [50, 50, 50])]
      const real = mat([...rowsOf(a), ...rowsOf(b)])
      expect(await precisionRecall(real, a)).toEqual({ precision: 1, recall: 0.5 })
    }))

  test(`more rows than one block (${BLOCK_ROWS}): the same as plain float64 loops`, () =>
    seeded(async (r) => {
      const [real, gen] = [gaussian(1100, 3, r), gaussian(700, 3, r, [2, 0, 0])]
      const got = await precisionRecall(real, gen, 3)
      const want = refPrecisionRecall(rowsOf(real), rowsOf(gen), 3)
      // each fraction is a count over the rows: equal counts, or at most one point on a ball's edge flipped by float32 rounding
      expect(Math.abs(got.precision - want.precision) * 700, 'precision').toBeLessThanOrEqual(1)
      expect(Math.abs(got.recall - want.recall) * 1100, 'recall').toBeLessThanOrEqual(1)
      // neither answer is trivial
      for (const v of [want.precision, want.recall]) expect(v > 0.2 && v < 0.95, `${v}`).toBe(true)
    }))

  test('bad input is refused: k out of range, different feature dimensions', async () => {
    await expect(precisionRecall(mat([[0], [1]]), mat([[0], [1]]), 2)).rejects.toThrow(
      /k must be an integer in \[1, 1\]/,
    )
    await expect(precisionRecall(mat([[0, 1]]), mat([[0]]))).rejects.toThrow(/2 dimensions, generated ones 1/)
  })
})

describe('class accuracy', () => {
  test('the fraction of rows whose largest logit is the class asked for; a tie goes to the lowest class', async () => {
    const logits = mat([
      [0, 5, 1], // predicts 1
      [2, 2, 1], // tie between 0 and 1: predicts 0
      [-1, -3, -2], // predicts 0
      [1, 1, 1], // predicts 0
    ])
    const labels = (l: number[]): Vec<'i32'> => new Tensor(Int32Array.from(l), [l.length], 'i32')
    expect((await classAccuracy.run(logits, labels([1, 0, 0, 0]))).item()).toBe(1)
    expect((await classAccuracy.run(logits, labels([1, 1, 0, 2]))).item()).toBe(0.5)
    expect((await classAccuracy.run(logits, labels([2, 1, 2, 1]))).item()).toBe(0)
  })
})
