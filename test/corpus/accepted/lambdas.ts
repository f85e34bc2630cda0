/** Scalar lambdas: map, zipWith, generate and reduce. */
import { dsl, generate, iota, map, reduce, zipWith, type Mat, type Vec, type f32 } from '../../../dsl/index.js'
import { softplus } from './lib.js'

/** map with a captured temperature, a ternary and Math constants. */
export const mapTemp = dsl((x: Mat, tau: f32) => {
  const k = 3
  return [
    map(x, (v) => Math.exp(-(v * v) / tau)),
    x.map((v) => (v > 0 ? v : 0.1 * v)),
    map(x, (v) => Math.tanh(v * k) + Math.PI),
    map(x, (v) => -v),
  ]
})

export const zips = dsl((a: Mat, b: Mat, row: Vec, s: f32) => [
  zipWith(a, b, (x, y) => (x > y ? x - y : (y - x) * 0.5)),
  zipWith(a, row, s, (x, y, z) => x * y + z),
  zipWith(a, b, (x, y) => x > 0 && y > 0),
  zipWith(a, b, (x, y) => x < 0 || y < -0.5),
])

export const grids = dsl((x: Mat) => {
  const [n, m] = x.shape
  return [
    generate([n, m], (i, j) => (i === j ? 1 : 0)),
    generate([n, m], (i, j) => ((i + 1) ** 2 % 7) + j / (i + 1) - (j % 3)),
    generate([n], (i) => Math.cos((i * Math.PI) / n)),
    x.add(generate([n, m], (i, j) => i * m + j)),
    generate([n, m], (i, j) => (i >= j ? x.shape[1] - j : -1)),
  ]
})

export const folds = dsl((x: Mat, decay: f32) => [
  reduce(x, 1, (acc, v) => acc + v * v, 0),
  x.reduce(0, (acc, v) => Math.max(acc, Math.abs(v)), 0),
  reduce(x, 1, (acc, v) => acc * decay + v, 0),
  reduce(x, -1, (acc, v) => acc + (v > 0 ? 1 : 0), 0),
  x.reduce(0, (acc, v) => Math.min(acc, v), Infinity),
])

/** Every scalar operator and a spread of Math.* in one block-bodied lambda. */
export const scalarMath = dsl((x: Mat, y: Mat) =>
  zipWith(x, y, (a, b) => {
    const s = a * a + b * b
    const r = Math.sqrt(s) - Math.abs(a) / (1 + Math.abs(b))
    const p = 2 ** (b / 4) + Math.pow(Math.abs(a), 1.5)
    const q = Math.min(a, b) * Math.max(a, 0) + Math.hypot(a, b) + Math.atan2(a, b)
    const t = Math.floor(a) + Math.ceil(b) + Math.log1p(Math.abs(b)) + Math.sin(a) * Math.cos(b) + Math.sign(b)
    const u = (a >= b ? 1 : -1) + (a !== b ? 0.5 : 0) + (a <= 0 ? Math.E : Math.SQRT2) + (a % 1)
    return r + p + q + t + u - Math.log(1 + s) / Math.LN2
  }),
)

const sq = (v: number) => v * v

/** Lambdas that are not inline arrows: a module constant, a Math builtin, an imported function. */
export const lambdaSources = dsl((x: Mat) => {
  const [n, m] = x.shape
  return [
    map(x, sq),
    map(x, Math.abs),
    x.map(softplus),
    zipWith(x, x.max(), (v, top) => top - v),
    map(x, (v) => !(v > 0)),
    zipWith(iota([n, m], 1), x, (j, v) => j * v),
    reduce(iota([n, m], 1), 1, (acc, j) => acc + j * j, 0),
  ]
})
