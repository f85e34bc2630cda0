/**
 * What the official loss's floor of 1e−3 on the affinity does (`--affinity-floor`;
 * docs/mnist.md#the-affinity-floor): it gives the drift a second, collapsed equilibrium when the
 * generated samples are much narrower than the data, which is where a generator with a
 * zero-initialized output starts. (In the MNIST runs it made no lasting difference.)
 *
 * The data: 10 Gaussian classes in 64 dimensions (unit spread, centres 1.5·N(0, I) apart). The
 * generated samples of class 0: its centre plus s·N(0, I). For each s the script draws 100 class
 * groups as one step of `drift train mnist` does (8 generated, 8 positives, 4 unconditional samples
 * at the CFG weight of α = 1.5), takes the drift the official loss pulls each generated sample by
 * (−∂loss/∂x, up to a positive factor) and prints the mean cosine between it and x − centre: positive
 * where the drift spreads the samples out, negative where it draws them together. With the data's
 * own spread, s = 1, both are near 0; below it, the floored affinity draws narrow samples together
 * (a second equilibrium near s ≈ 0.5), the unfloored one spreads them at every s.
 *
 *   npx drift run examples/affinity-floor.ts
 */
import { dsl, tensor, valueAndGrad, type T3, type Vec } from '../dsl/index.js'
import { driftLoss } from '../stdlib/fields/driftLoss.js'
import { DEFAULT_LOSS_VARIANT, type DriftLossVariant } from '../stdlib/fields/driftLossVariant.js'
import { CounterRng } from '../stdlib/data/counterRng.js'

/** ∂loss/∂gen of the drift loss: the negative of the drift, up to a positive factor. */
const lossGradient = dsl(
  (gen: T3, neg: T3, pos: T3, w: Vec, variant: DriftLossVariant): T3 => {
    const [, grad] = valueAndGrad((x: T3) => driftLoss(x, neg, pos, w, variant).loss)(gen)
    return grad
  },
  { static: ['variant'] },
)

const [D, K, B, G, P, N] = [64, 10, 100, 8, 8, 4]
const alpha = 1.5
const rng = new CounterRng(0, 0, 0)
const normals = (n: number) => Float64Array.from({ length: n }, () => rng.normal())
const centres = normals(K * D).map((v) => 1.5 * v)
/** [B, n, D] samples of the classes `label(b, j)`, spread s around their centres. */
const draw = (n: number, s: number, label: (b: number, j: number) => number) => {
  const out = new Float32Array(B * n * D)
  for (let b = 0; b < B; b++)
    for (let j = 0; j < n; j++) {
      const c = label(b, j)
      for (let d = 0; d < D; d++) out[(b * n + j) * D + d] = centres[c * D + d] + s * rng.normal()
    }
  return out
}

const w = tensor(new Float32Array(B).fill(((alpha - 1) * (G - 1)) / N), [B]) as Vec
console.log(`mean cosine of the drift and x − centre (+: spreads out, −: draws together), D = ${D}, α = ${alpha}`)
console.log('    s   floor 1e−3 (official)   no floor')
for (const s of [0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.2]) {
  const gen = draw(G, s, () => 0)
  const pos = tensor(
    draw(P, 1, () => 0),
    [B, P, D],
  ) as T3
  const neg = tensor(
    draw(N, 1, () => rng.below(K)),
    [B, N, D],
  ) as T3
  const row = [s.toFixed(1).padStart(5)]
  for (const affinityFloor of [DEFAULT_LOSS_VARIANT.affinityFloor, 0]) {
    const g = await lossGradient.run(tensor(gen, [B, G, D]) as T3, neg, pos, w, {
      ...DEFAULT_LOSS_VARIANT,
      affinityFloor,
    })
    let cosines = 0
    for (let i = 0; i < B * G; i++) {
      let [dot, norm, gnorm] = [0, 0, 0]
      for (let d = 0; d < D; d++) {
        const x = gen[i * D + d] - centres[d]
        dot += -g.data[i * D + d] * x
        norm += x * x
        gnorm += g.data[i * D + d] ** 2
      }
      cosines += dot / Math.sqrt(norm * gnorm)
    }
    row.push((cosines / (B * G)).toFixed(3).padStart(affinityFloor ? 24 : 11))
  }
  console.log(row.join(''))
}
