/**
 * stdlib/metrics: each distribution metric against an independent float64 reference written with
 * plain loops (no compiler code), metric properties, closed forms, and the compiled (gpu.js cpu)
 * path against the interpreter. Every test draws seeded inputs; the seed is in each failure message.
 */
import { describe, expect, test } from 'vitest'
import { GpujsRuntime } from '../compiler/backend/gpujs/run.js'
import type { ArgSpec, Specialized } from '../compiler/frontend/specialize.js'
import { lowerGraph } from '../compiler/fusion/lower.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { EPS32, expectClose, lower, randn, rootPath, run, S, scalar, seeded, T, type Tolerance } from './helpers.js'
import { accumulationLengths, expectFloat32Run } from './tolerance.js'
import { Tensor, type Mat } from '../dsl/index.js'
import { featureMetrics } from '../stdlib/mnist/evaluate.js'

type Rows = number[][]
const METRIC_FILES = {
  mmd: 'mmd.ts',
  energy: 'energy.ts',
  sliced: 'slicedWasserstein.ts',
  modes: 'modeCoverage.ts',
  sqrt: 'matrixSqrt.ts',
  frechet: 'frechet.ts',
} as const

// ——— host-side helpers ———

const specs = new Map<string, Specialized>()
/** Specialize once per (function, argument specs): lowering is the slow part. */
function spec(file: keyof typeof METRIC_FILES, fn: string, args: ArgSpec[]): Specialized {
  const id = `${fn} ${JSON.stringify(args)}`
  if (!specs.has(id)) specs.set(id, lower(rootPath('stdlib/metrics', METRIC_FILES[file]), fn, args))
  return specs.get(id)!
}
const specOf = (a: NDArray): ArgSpec => T(a.shape, a.dtype)
/** Run a metric on the float64 interpreter; statics go after the tensor inputs. */
function call(
  file: keyof typeof METRIC_FILES,
  fn: string,
  inputs: NDArray[],
  statics: (number | string | boolean)[] = [],
): NDArray[] {
  return run(spec(file, fn, [...inputs.map(specOf), ...statics.map(S)]), inputs)
}
const value = (outs: NDArray[], i = 0) => outs[i].data[0]

const matrix = (rows: Rows): NDArray => ({
  shape: [rows.length, rows[0].length],
  dtype: 'f32',
  data: Float64Array.from(rows.flat()),
})
const vector = (v: number[]): NDArray => ({ shape: [v.length], dtype: 'f32', data: Float64Array.from(v) })
const keyOf = (seed: number): NDArray => ({ shape: [], dtype: 'i32', data: Int32Array.of(seed) })
const rowsOf = (a: NDArray): Rows =>
  Array.from({ length: a.shape[0] }, (_, i) => Array.from(a.data.slice(i * a.shape[1], (i + 1) * a.shape[1])))
const shifted = (a: NDArray, by: number[]): NDArray => matrix(rowsOf(a).map((r) => r.map((v, j) => v + by[j])))

// ——— float64 references: plain loops ———

const sqDist = (a: number[], b: number[]) => a.reduce((s, v, k) => s + (v - b[k]) ** 2, 0)

function refMmd2(x: Rows, y: Rows, sigmas: number[], unbiased: boolean): number {
  const k = (a: number[], b: number[]) => sigmas.reduce((s, sg) => s + Math.exp(-sqDist(a, b) / (2 * sg * sg)), 0)
  const within = (p: Rows) => {
    let s = 0
    for (let i = 0; i < p.length; i++) for (let j = 0; j < p.length; j++) if (!unbiased || i !== j) s += k(p[i], p[j])
    return s / (unbiased ? p.length * (p.length - 1) : p.length * p.length)
  }
  let cross = 0
  for (const a of x) for (const b of y) cross += k(a, b)
  return within(x) + within(y) - (2 * cross) / (x.length * y.length)
}

function refEnergy(x: Rows, y: Rows): number {
  const meanDist = (p: Rows, q: Rows) => {
    let s = 0
    for (const a of p) for (const b of q) s += Math.sqrt(sqDist(a, b))
    return s / (p.length * q.length)
  }
  return 2 * meanDist(x, y) - meanDist(x, x) - meanDist(y, y)
}

/** Sliced Wasserstein with an exact sort (Array.prototype.sort) per direction. */
function refSliced(x: Rows, y: Rows, dirs: Rows, p: number): number {
  let total = 0
  for (const th of dirs) {
    const proj = (q: Rows) => q.map((r) => r.reduce((s, v, k) => s + v * th[k], 0)).sort((a, b) => a - b)
    const [a, b] = [proj(x), proj(y)]
    for (let k = 0; k < a.length; k++) total += Math.abs(a[k] - b[k]) ** p
  }
  return (total / (dirs.length * x.length)) ** (1 / p)
}

function refCoverage(x: Rows, centres: Rows, radius: number, minCount: number) {
  const within = centres.map((c) => x.filter((r) => Math.sqrt(sqDist(r, c)) <= radius).length)
  const hit = within.map((w): number => (w >= minCount ? 1 : 0))
  const mass = centres.map(() => 0)
  for (const r of x) {
    let best = 0
    for (let k = 1; k < centres.length; k++) if (sqDist(r, centres[k]) < sqDist(r, centres[best])) best = k
    mass[best] += 1 / x.length
  }
  return { covered: hit.reduce((a, b) => a + b, 0) / centres.length, hit, within, mass }
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: [eigenvalues, eigenvectors as columns]. */
function jacobiEigen(m: Rows): [number[], Rows] {
  const n = m.length
  const a = m.map((r) => [...r])
  const v: Rows = m.map((_, i) => m.map((__, j) => (i === j ? 1 : 0)))
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i][j] ** 2
    if (off < 1e-30) break
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let k = 0; k < n; k++) {
          const [akp, akq] = [a[k][p], a[k][q]]
          a[k][p] = c * akp - s * akq
          a[k][q] = s * akp + c * akq
        }
        for (let k = 0; k < n; k++) {
          const [apk, aqk] = [a[p][k], a[q][k]]
          a[p][k] = c * apk - s * aqk
          a[q][k] = s * apk + c * aqk
        }
        for (let k = 0; k < n; k++) {
          const [vkp, vkq] = [v[k][p], v[k][q]]
          v[k][p] = c * vkp - s * vkq
          v[k][q] = s * vkp + c * vkq
        }
      }
  }
  return [a.map((r, i) => r[i]), v]
}

const matMul = (a: Rows, b: Rows): Rows => a.map((r) => b[0].map((_, j) => r.reduce((s, v, k) => s + v * b[k][j], 0)))
const transposed = (a: Rows): Rows => a[0].map((_, j) => a.map((r) => r[j]))
const traceOf = (a: Rows) => a.reduce((s, r, i) => s + r[i], 0)

/** Symmetric PSD square root by eigen-decomposition: V diag(√λ) Vᵀ. */
function refSqrtm(m: Rows): Rows {
  const [lam, v] = jacobiEigen(m)
  return matMul(
    v.map((r) => r.map((x, j) => x * Math.sqrt(Math.max(lam[j], 0)))),
    transposed(v),
  )
}

function refGaussianFrechet(mu1: number[], s1: Rows, mu2: number[], s2: Rows): number {
  const r1 = refSqrtm(s1)
  const crossTrace = jacobiEigen(matMul(matMul(r1, s2), r1))[0].reduce((s, l) => s + Math.sqrt(Math.max(l, 0)), 0)
  return sqDist(mu1, mu2) + traceOf(s1) + traceOf(s2) - 2 * crossTrace
}

const meanOf = (f: Rows) => f[0].map((_, j) => f.reduce((s, r) => s + r[j], 0) / f.length)
function covarianceOf(f: Rows): Rows {
  const mu = meanOf(f)
  return mu.map((_, i) =>
    mu.map((__, j) => f.reduce((s, r) => s + (r[i] - mu[i]) * (r[j] - mu[j]), 0) / (f.length - 1)),
  )
}

/** A random SPD matrix B Bᵀ/d + floor·I. */
function randomSpd(d: number, r: () => number, floor = 0.1): Rows {
  const b = rowsOf(randn([d, d], r))
  return matMul(b, transposed(b)).map((row, i) => row.map((v, j) => v / d + (i === j ? floor : 0)))
}

/** Samples of a Gaussian mixture: counts[k] points around centres[k] with standard deviation std. */
function mixture(centres: Rows, counts: number[], std: number, r: () => number): NDArray {
  const pts: Rows = []
  centres.forEach((c, k) => {
    const noise = rowsOf(randn([Math.max(counts[k], 1), c.length], r, std))
    for (let i = 0; i < counts[k]; i++) pts.push(c.map((v, j) => v + noise[i][j]))
  })
  return matrix(pts)
}

// ——— tests ———

const SIGMAS = [0.5, 1, 2]

/**
 * MMD² and the energy distance are differences of means of kernel values (each at most the number
 * of bandwidths) and of distances (a few units): in float64 they are numerically zero below 1e-13,
 * a few hundred roundings of those means (observed differences: under 2e-14). Above it, 1e-12 of
 * the value leaves room for thousands of roundings.
 */
const DIFFERENCE_OF_MEANS: Tolerance = { rtol: 1e-12, atol: 1e-13 }
/** Means of nonnegative terms, fractions of counts, unit norms: nothing cancels, a few float64 roundings. */
const NO_CANCELLATION: Tolerance = { rtol: 1e-12, atol: 0 }
/**
 * Fréchet distances ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(Σ₁^½ Σ₂ Σ₁^½) and square roots by Newton–Schulz:
 * entries and traces of size ≤ 30 that cancel, float64 roundings of them below 1e-12 (observed: 5e-14).
 */
const MATRIX_FUNCTION: Tolerance = { rtol: 1e-12, atol: 1e-12 }

describe('MMD² with several Gaussian bandwidths', () => {
  test('unbiased and biased estimators match the float64 reference', () =>
    seeded((r) => {
      const [x, y] = [randn([40, 3], r), randn([50, 3], r, 1.5)]
      for (const [fn, unbiased] of [
        ['mmd2Unbiased', true],
        ['mmd2Biased', false],
      ] as const)
        expectClose(
          [value(call('mmd', fn, [x, y, vector(SIGMAS)]))],
          [refMmd2(rowsOf(x), rowsOf(y), SIGMAS, unbiased)],
          DIFFERENCE_OF_MEANS,
          fn,
        )
    }))

  test('several bandwidths give the sum of the single-bandwidth MMDs', () =>
    seeded((r) => {
      const [x, y] = [randn([30, 2], r), randn([35, 2], r)]
      for (const fn of ['mmd2Unbiased', 'mmd2Biased']) {
        const single = SIGMAS.map((s) => value(call('mmd', fn, [x, y, vector([s])])))
        expectClose(
          [value(call('mmd', fn, [x, y, vector(SIGMAS)]))],
          [single.reduce((a, b) => a + b, 0)],
          DIFFERENCE_OF_MEANS,
          fn,
        )
      }
    }))

  test('biased MMD(X, X) = 0; both symmetric; same distribution ≪ shifted distribution', () =>
    seeded((r) => {
      const [x, y] = [randn([60, 2], r), randn([60, 2], r)]
      const s = vector(SIGMAS)
      expect(Math.abs(value(call('mmd', 'mmd2Biased', [x, x, s])))).toBeLessThan(1e-12)
      for (const fn of ['mmd2Unbiased', 'mmd2Biased']) {
        const same = value(call('mmd', fn, [x, y, s]))
        expectClose([value(call('mmd', fn, [y, x, s]))], [same], DIFFERENCE_OF_MEANS, `${fn} symmetry`)
        const far = value(call('mmd', fn, [x, shifted(y, [2, 0]), s]))
        expect(far, `${fn}: shifted ${far} vs same ${same}`).toBeGreaterThan(Math.max(5 * Math.abs(same), 0.1))
      }
    }))
})

describe('energy distance', () => {
  test('matches the float64 reference (different sample sizes)', () =>
    seeded((r) => {
      const [x, y] = [randn([33, 3], r), randn([47, 3], r, 0.7)]
      const want = refEnergy(rowsOf(x), rowsOf(y))
      expectClose([value(call('energy', 'energyDistance', [x, y]))], [want], DIFFERENCE_OF_MEANS, 'energy')
    }))

  test('E(X, X) = 0, symmetric, non-negative; E(X, X + c) grows with |c|; shifted ≫ same distribution', () =>
    seeded((r) => {
      const [x, y] = [randn([50, 2], r), randn([50, 2], r)]
      const energy = (a: NDArray, b: NDArray) => value(call('energy', 'energyDistance', [a, b]))
      expect(Math.abs(energy(x, x))).toBeLessThan(1e-12)
      const same = energy(x, y)
      expectClose([energy(y, x)], [same], DIFFERENCE_OF_MEANS, 'symmetry')
      expect(same).toBeGreaterThanOrEqual(0)
      // E(X, X + c) = 2·mean|X − X' − c| − 2·mean|X − X'|: convex and even in c, so increasing along a ray
      const alongRay = [0.25, 0.5, 1].map((t) => energy(x, shifted(x, [t, -0.5 * t])))
      expect(alongRay[0]).toBeGreaterThan(0)
      expect(alongRay[1]).toBeGreaterThan(alongRay[0])
      expect(alongRay[2]).toBeGreaterThan(alongRay[1])
      expect(energy(x, shifted(y, [2, 0]))).toBeGreaterThan(5 * same)
    }))
})

describe('sliced Wasserstein', () => {
  test('directions are unit vectors, a pure function of the key', () =>
    seeded((r) => {
      const seed = Math.floor(r() * 2 ** 30)
      const dirs = call('sliced', 'sliceDirections', [keyOf(seed)], [3, 16])[0]
      expect(dirs.shape).toEqual([16, 3])
      expectClose(
        rowsOf(dirs).map((d) => Math.hypot(...d)),
        new Array(16).fill(1),
        NO_CANCELLATION,
        'norms',
      )
      expect(Array.from(call('sliced', 'sliceDirections', [keyOf(seed)], [3, 16])[0].data)).toEqual(
        Array.from(dirs.data),
      )
      expect(Array.from(call('sliced', 'sliceDirections', [keyOf(seed + 1)], [3, 16])[0].data)).not.toEqual(
        Array.from(dirs.data),
      )
    }))

  test.each([1, 2])('SW_%i matches an exact sort-based reference with the same directions (ties included)', (p) =>
    seeded((r) => {
      const seed = Math.floor(r() * 2 ** 30)
      const x = randn([48, 3], r)
      // repeated rows: equal projections exercise the index tie-break
      const yRows = rowsOf(randn([48, 3], r, 1.3))
      for (let i = 0; i < 12; i++) yRows[i + 12] = yRows[i]
      const y = matrix(yRows)
      const dirs = rowsOf(call('sliced', 'sliceDirections', [keyOf(seed)], [3, 12])[0])
      const want = refSliced(rowsOf(x), yRows, dirs, p)
      expectClose(
        [value(call('sliced', 'slicedWasserstein', [x, y, keyOf(seed)], [12, p]))],
        [want],
        NO_CANCELLATION,
        'slicedWasserstein',
      )
      expectClose(
        [value(call('sliced', 'slicedWassersteinWith', [x, y, matrix(dirs)], [p]))],
        [want],
        NO_CANCELLATION,
        'slicedWassersteinWith',
      )
    }),
  )

  test('translation: SW_p(X, X + c) = (mean_l |θ_l·c|^p)^{1/p}; in 1-D, W_p(X, X + c) = |c|', () =>
    seeded((r) => {
      const x = randn([40, 2], r)
      const dirs = rowsOf(call('sliced', 'sliceDirections', [keyOf(7)], [2, 8])[0])
      const c = [0.8, -0.3]
      for (const p of [1, 2]) {
        const want =
          (dirs.reduce((s, th) => s + Math.abs(th[0] * c[0] + th[1] * c[1]) ** p, 0) / dirs.length) ** (1 / p)
        expectClose(
          [value(call('sliced', 'slicedWassersteinWith', [x, shifted(x, c), matrix(dirs)], [p]))],
          [want],
          NO_CANCELLATION,
          `p = ${p}`,
        )
      }
      const line = randn([30, 1], r)
      expectClose(
        [value(call('sliced', 'slicedWassersteinWith', [line, shifted(line, [-1.25]), matrix([[1]])], [2]))],
        [1.25],
        NO_CANCELLATION,
        '1-D',
      )
    }))

  test('0 for a permuted copy, symmetric, larger for a shifted distribution', () =>
    seeded((r) => {
      const [x, y] = [randn([40, 2], r), randn([40, 2], r)]
      const key = keyOf(Math.floor(r() * 2 ** 30))
      const sw = (a: NDArray, b: NDArray) => value(call('sliced', 'slicedWasserstein', [a, b, key], [10, 2]))
      expect(sw(x, matrix(rowsOf(x).reverse()))).toBeLessThan(1e-12)
      expectClose([sw(y, x)], [sw(x, y)], NO_CANCELLATION, 'symmetry')
      expect(sw(x, shifted(y, [2, 2]))).toBeGreaterThan(sw(x, y))
    }))
})

describe('mode coverage', () => {
  const GRID = [
    [-0.5, -0.5],
    [-0.5, 0.5],
    [0.5, -0.5],
    [0.5, 0.5],
  ]

  test('every mode covered, masses equal to the construction', () =>
    seeded((r) => {
      const counts = [80, 60, 40, 20]
      const x = mixture(GRID, counts, 0.05, r)
      const [covered, hit, within, mass] = call('modes', 'modeCoverage', [x, matrix(GRID), scalar(0.25), scalar(5)])
      expect(value([covered])).toBe(1)
      expect(Array.from(hit.data)).toEqual([1, 1, 1, 1])
      expect(Array.from(within.data).reduce((a, b) => a + b, 0)).toBeGreaterThan(0.95 * 200)
      expectClose(
        mass.data,
        counts.map((c) => c / 200),
        NO_CANCELLATION,
        'mass',
      )
      const [absolute, relative] = call('modes', 'modeMassError', [mass, vector([0.4, 0.3, 0.2, 0.1])])
      expect(value([absolute])).toBeLessThan(1e-12)
      expect(value([relative])).toBeLessThan(1e-12)
    }))

  test('one mode missing: 3 of 4 covered, no mass on the missing mode', () =>
    seeded((r) => {
      const x = mixture(GRID, [70, 0, 70, 60], 0.05, r)
      const [covered, hit, within, mass] = call('modes', 'modeCoverage', [x, matrix(GRID), scalar(0.25), scalar(5)])
      expect(value([covered])).toBe(0.75)
      expect(Array.from(hit.data)).toEqual([1, 0, 1, 1])
      expect(within.data[1]).toBe(0)
      expectClose(mass.data, [0.35, 0, 0.35, 0.3], NO_CANCELLATION, 'mass')
    }))

  test('bimodal run: both modes covered, mass within 10% of the true split', () =>
    seeded((r) => {
      const centres = [
        [-1, 0],
        [1, 0],
      ]
      const x = mixture(centres, [66, 34], 0.2, r) // true split 2/3 : 1/3
      const [covered, , , mass] = call('modes', 'modeCoverage', [x, matrix(centres), scalar(0.6), scalar(5)])
      const [, relative] = call('modes', 'modeMassError', [mass, vector([2 / 3, 1 / 3])])
      expect(value([covered])).toBe(1)
      expect(value([relative])).toBeLessThan(0.1)
      const [, skewed] = call('modes', 'modeMassError', [vector([0.8, 0.2]), vector([2 / 3, 1 / 3])])
      expectClose([value([skewed])], [0.4], NO_CANCELLATION, 'relative error of a 0.8 : 0.2 split')
    }))

  test('matches the float64 reference on random points, centres, radius and count', () =>
    seeded((r) => {
      const [x, centres] = [randn([90, 2], r), randn([5, 2], r)]
      const [radius, minCount] = [0.3 + r(), Math.floor(1 + 10 * r())]
      const want = refCoverage(rowsOf(x), rowsOf(centres), radius, minCount)
      const [covered, hit, within, mass] = call('modes', 'modeCoverage', [x, centres, scalar(radius), scalar(minCount)])
      expectClose([value([covered])], [want.covered], NO_CANCELLATION, 'covered')
      expect(Array.from(hit.data)).toEqual(want.hit)
      expect(Array.from(within.data)).toEqual(want.within)
      expectClose(mass.data, want.mass, NO_CANCELLATION, 'mass')
    }))
})

describe('matrix square root and Fréchet distance', () => {
  test('Newton–Schulz square root: [[5, 4], [4, 5]] → [[2, 1], [1, 2]]; random 2×2 against the closed form', () =>
    seeded((r) => {
      expectClose(
        call(
          'sqrt',
          'matrixSqrt',
          [
            matrix([
              [5, 4],
              [4, 5],
            ]),
          ],
          [30],
        )[0].data,
        [2, 1, 1, 2],
        MATRIX_FUNCTION,
        'known root',
      )
      // √M = (M + √det·I) / √(tr M + 2√det) for a 2×2 SPD matrix
      const m = randomSpd(2, r)
      const s = Math.sqrt(m[0][0] * m[1][1] - m[0][1] * m[1][0])
      const t = Math.sqrt(m[0][0] + m[1][1] + 2 * s)
      const want = m.map((row, i) => row.map((v, j) => (v + (i === j ? s : 0)) / t))
      expectClose(call('sqrt', 'matrixSqrt', [matrix(m)], [30])[0].data, want.flat(), MATRIX_FUNCTION, 'closed form')
    }))

  test('square root of a random 6×6 SPD matrix: matches the eigen-decomposition, squares back', () =>
    seeded((r) => {
      const m = randomSpd(6, r, 0.05)
      const root = rowsOf(call('sqrt', 'matrixSqrt', [matrix(m)], [30])[0])
      expectClose(root.flat(), refSqrtm(m).flat(), MATRIX_FUNCTION, 'root')
      expectClose(matMul(root, root).flat(), m.flat(), MATRIX_FUNCTION, 'root²')
    }))

  test('Gaussians with commuting covariances: ‖μ₁ − μ₂‖² + Σ (√λ₁ − √λ₂)²', () =>
    seeded((r) => {
      const d = 4
      const [q] = jacobiEigen(randomSpd(d, r)).slice(1) as [Rows] // a random orthogonal basis
      const [l1, l2] = [Array.from({ length: d }, () => 0.2 + 2 * r()), Array.from({ length: d }, () => 0.2 + 2 * r())]
      const cov = (l: number[]) =>
        matMul(
          q.map((row) => row.map((v, j) => v * l[j])),
          transposed(q),
        )
      const [mu1, mu2] = [Array.from(randn([d], r).data), Array.from(randn([d], r).data)]
      const want = sqDist(mu1, mu2) + l1.reduce((s, v, i) => s + (Math.sqrt(v) - Math.sqrt(l2[i])) ** 2, 0)
      const got = value(
        call('frechet', 'gaussianFrechet', [vector(mu1), matrix(cov(l1)), vector(mu2), matrix(cov(l2))], [30]),
      )
      expectClose([got], [want], MATRIX_FUNCTION)
    }))

  test('general (non-commuting) covariances match the float64 reference; symmetric; d(P, P) = 0', () =>
    seeded((r) => {
      const d = 5
      const [s1, s2] = [randomSpd(d, r), randomSpd(d, r)]
      const [mu1, mu2] = [Array.from(randn([d], r).data), Array.from(randn([d], r).data)]
      const fd = (a: number[], sa: Rows, b: number[], sb: Rows) =>
        value(call('frechet', 'gaussianFrechet', [vector(a), matrix(sa), vector(b), matrix(sb)], [30]))
      const got = fd(mu1, s1, mu2, s2)
      expectClose([got], [refGaussianFrechet(mu1, s1, mu2, s2)], MATRIX_FUNCTION)
      expectClose([fd(mu2, s2, mu1, s1)], [got], MATRIX_FUNCTION, 'symmetry')
      expect(Math.abs(fd(mu1, s1, mu1, s1))).toBeLessThan(1e-9)
    }))

  test('Fréchet distance of feature sets: unbiased covariances, float64 reference; 1-D closed form', () =>
    seeded((r) => {
      const [f1, f2] = [randn([60, 4], r), shifted(randn([70, 4], r, 1.5), [0.5, 0, -0.5, 1])]
      const [a, b] = [rowsOf(f1), rowsOf(f2)]
      const want = refGaussianFrechet(meanOf(a), covarianceOf(a), meanOf(b), covarianceOf(b))
      expectClose([value(call('frechet', 'frechetDistance', [f1, f2], [30]))], [want], MATRIX_FUNCTION)
      // d = 1: (μ₁ − μ₂)² + (σ₁ − σ₂)²
      const [g1, g2] = [randn([50, 1], r), randn([40, 1], r, 2)]
      const [m1, m2] = [meanOf(rowsOf(g1))[0], meanOf(rowsOf(g2))[0]]
      const [v1, v2] = [covarianceOf(rowsOf(g1))[0][0], covarianceOf(rowsOf(g2))[0][0]]
      expectClose(
        [value(call('frechet', 'frechetDistance', [g1, g2], [30]))],
        [(m1 - m2) ** 2 + (Math.sqrt(v1) - Math.sqrt(v2)) ** 2],
        MATRIX_FUNCTION,
        '1-D',
      )
    }))

  test('the evaluation scores FID in float64: a nearly collapsed sample set against a spread one', () =>
    seeded(async (r) => {
      // generated samples at two points plus noise of 1e-3: a covariance of rank ~2 and 14 eigenvalues
      // near 1e-6, where float32 Newton–Schulz steps can lose the small directions (a sweep of a
      // barely trained generator gave FID 380 in float32 where float64 gives 145)
      const d = 16
      const real = randn([400, d], r)
      const noise = randn([400, d], r, 1e-3)
      const centres = [randn([d], r, 2).data, randn([d], r, 2).data]
      const gen = { ...noise, data: noise.data.map((v, i) => v + centres[Math.floor(i / d) % 2][i % d]) }
      const tensor = (a: NDArray) => new Tensor(Float32Array.from(a.data), a.shape, 'f32') as Mat
      const [realT, genT] = [tensor(real), tensor(gen)]
      const [a, b] = [
        rowsOf({ ...real, data: Float64Array.from(realT.data) }),
        rowsOf({ ...gen, data: Float64Array.from(genT.data) }),
      ]
      const want = refGaussianFrechet(meanOf(a), covarianceOf(a), meanOf(b), covarianceOf(b))
      const { fid } = await featureMetrics(realT, genT)
      expectClose([fid], [want], { rtol: 1e-9, atol: 1e-9 }, 'FID')
    }))

  test('the float32 interpreter agrees with the float64 reference up to float32 rounding of the traces', () =>
    seeded((r) => {
      const [f1, f2] = [randn([64, 6], r), randn([64, 6], r, 1.2)]
      const [a, b] = [rowsOf(f1), rowsOf(f2)]
      const [s1, s2] = [covarianceOf(a), covarianceOf(b)]
      const want = refGaussianFrechet(meanOf(a), s1, meanOf(b), s2)
      const got = run(spec('frechet', 'frechetDistance', [specOf(f1), specOf(f2), S(30)]), [f1, f2], 'f32')[0].data[0]
      // the distance is what is left of traces of size tr Σ₁ + tr Σ₂ (about 15 here) once float32 rounds
      // them: below 4 such roundings it is numerically zero (observed over six seeds: at most 0.4)
      const traces = traceOf(s1) + traceOf(s2)
      expectClose([got], [want], { rtol: 32 * EPS32, atol: 4 * EPS32 * traces }, 'Fréchet distance (f32)')
    }))
})

describe('compiled path (gpu.js cpu) against the interpreter', () => {
  const runtime = new GpujsRuntime('cpu')
  const compiledAndReference = (file: keyof typeof METRIC_FILES, fn: string, inputs: NDArray[], statics: number[]) => {
    const s = spec(file, fn, [...inputs.map(specOf), ...statics.map(S)])
    return { graph: s.graph, got: runtime.run(lowerGraph(s.graph).plan, inputs), want: run(s, inputs) }
  }
  /** Every output within test/tolerance.ts's float32 bound: sums of terms no larger than the output's largest element. */
  const compare = (file: keyof typeof METRIC_FILES, fn: string, inputs: NDArray[], statics: number[] = []) => {
    const { graph, got, want } = compiledAndReference(file, fn, inputs, statics)
    expectFloat32Run(graph, got, want, fn)
  }
  /**
   * A scalar that is a difference of means of L terms of size up to `terms`: numerically zero below
   * what float32 sums of those terms lose, √L roundings of `terms` (observed: under 1e-8, as gpu.js's
   * cpu kernels add in float64 and round what they store), within 32 ulps of itself above that.
   */
  const compareDifference = (file: keyof typeof METRIC_FILES, fn: string, inputs: NDArray[], terms: number) => {
    const { graph, got, want } = compiledAndReference(file, fn, inputs, [])
    const L = accumulationLengths(graph)[0]
    expectClose(got[0].data, want[0].data, { rtol: 32 * EPS32, atol: Math.sqrt(L) * EPS32 * terms }, fn)
  }

  test('MMD² (both estimators) and energy distance', () =>
    seeded((r) => {
      const [x, y] = [randn([64, 2], r), randn([48, 2], r, 1.4)]
      // kernel values are at most 1 per bandwidth; distances at most the largest pairwise one
      compareDifference('mmd', 'mmd2Unbiased', [x, y, vector(SIGMAS)], SIGMAS.length)
      compareDifference('mmd', 'mmd2Biased', [x, y, vector(SIGMAS)], SIGMAS.length)
      const points = [...rowsOf(x), ...rowsOf(y)]
      const farthest = Math.max(...points.flatMap((p) => points.map((q) => Math.sqrt(sqDist(p, q)))))
      compareDifference('energy', 'energyDistance', [x, y], farthest)
    }))

  test('sliced Wasserstein (random directions drawn on the host) and mode coverage', () =>
    seeded((r) => {
      const [x, y] = [randn([64, 2], r), randn([64, 2], r, 0.8)]
      compare('sliced', 'slicedWasserstein', [x, y, keyOf(Math.floor(r() * 2 ** 30))], [8, 2])
      compare('modes', 'modeCoverage', [
        mixture(
          [
            [-1, 0],
            [1, 0],
          ],
          [40, 24],
          0.2,
          r,
        ),
        matrix([
          [-1, 0],
          [1, 0],
        ]),
        scalar(0.6),
        scalar(5),
      ])
    }))

  // few steps: lowering a long Newton–Schulz chain is slow (fusion's search grows ~cubically with it)
  test('Newton–Schulz square root (8 steps, batched matmuls on the stored pair)', () =>
    seeded((r) => compare('sqrt', 'matrixSqrt', [matrix(randomSpd(4, r, 0.5))], [8])))
})
