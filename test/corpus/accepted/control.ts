/** Static control flow: if/ternary on static values, unrolled for loops, static arrays. */
import { cdist, dsl, full, onesLike, softmax, zerosLike, type Mat, type f32 } from '../../../dsl/index.js'

export const activation = dsl(
  (x: Mat, kind: string, doubled: boolean): Mat => {
    let y: Mat
    if (kind === 'relu') y = x.maximum(0)
    else if (kind === 'tanh') y = x.tanh()
    else y = x.mul(x.neg().exp().add(1).pow(-1))
    return doubled ? y.mul(2) : y
  },
  { static: ['kind', 'doubled'] },
)

const TEMPS = [0.25, 0.5, 1, 2]

/** Softmax weights averaged over a static list of temperatures. */
export const multiTemp = dsl((x: Mat, y: Mat): Mat => {
  const d = cdist(x, y)
  let acc = zerosLike(d)
  for (const t of TEMPS) acc = acc.add(softmax(d.div(-t), 1).div(TEMPS.length))
  return acc
})

export const powerIteration = dsl(
  (a: Mat, v0: Mat, steps: number): Mat => {
    let v = v0
    for (let i = 0; i < steps; i++) {
      v = a.matmul(v)
      v = v.div(v.square().sum().sqrt())
    }
    return v
  },
  { static: ['steps'] },
)

/** Even terms of the exponential series up to a static degree: continue, break, compound assignment. */
export const evenSeries = dsl(
  (x: Mat, degree: number): Mat => {
    let acc = onesLike(x)
    let term = onesLike(x)
    for (let k = 1; k <= 20; k++) {
      term = term.mul(x).div(k)
      if (k > degree) break
      if (k % 2 === 1) continue
      acc = acc.add(term)
    }
    let c = 0
    for (let k = 0; k < 4; k += 1) c += k
    return acc.add(c)
  },
  { static: ['degree'] },
)

const SCALES = [0.5, 1, 2]

export const staticArrays = dsl((x: Mat) => {
  const feats = SCALES.map((s) => x.mul(s).tanh())
  const total = feats.reduce((a, b) => a.add(b))
  const [first, , last] = feats
  const weighted = [1, 2, 3].map((w, i) => feats[i].mul(w)).reduce((a, b) => a.add(b), zerosLike(x))
  const big = SCALES.filter((s) => s > 0.75).length
  const label = `n=${x.shape[0]}`
  return { total, diff: last.sub(first), weighted, count: full([1], label === 'n=' + x.shape[0] ? big : -1) }
})

/** Static-depth recursion, default and rest parameters, compound assignment on a traced scalar. */
function nest(x: Mat, depth: number): Mat {
  return depth === 0 ? x : nest(x.tanh().add(1), depth - 1)
}
const scaled = (x: Mat, k = 2, ...extra: number[]) => x.mul(k + extra.length)

export const helpers = dsl((x: Mat, tau: f32) => {
  let t = tau
  t *= 2
  t -= 0.5
  let shift = x
  for (let i = 0, j = 6; i < j; i += 2) shift = shift.add(i)
  function local(y: Mat): Mat {
    return y.mul(factor)
  }
  const factor = 3
  return [nest(x, 3), scaled(x), scaled(x, 3, 1, 1), x.mul(t), shift, local(x)]
})
