/**
 * The drifting fields of stdlib/fields: their claimed symmetries, the paper field and the official
 * loss against independent float64 loops, every field's vjp (with respect to x, pos and neg)
 * against central finite differences, the compiled path against the interpreter, and the kernel
 * counts of docs/fields.md.
 *
 * Symmetry tests. A self-masked field adds 1e6 to the distance from xᵢ to negative row i. So that
 * positives and negatives can be the *same* point set, both are given as [F; Q]: F is N far points
 * (10⁴ away: their kernel weight underflows to exactly 0 in float64), padding the masked rows, and
 * Q the point set. Then, for random x, p = Q, q = Q′:
 *   V(x; [F;Q], [F;Q]) = 0                          (V_{p,p} = 0)
 *   V(x; [F;Q], [F;Q′]) = −V(x; [F;Q′], [F;Q])       (anti-symmetry, swapping pos and neg)
 * Unmasked fields (Sinkhorn) take Q and Q′ directly. Destructive fields must break both clearly.
 */
import fs from 'node:fs'
import { describe, expect, test } from 'vitest'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { GpujsRuntime } from '../compiler/backend/gpujs/run.js'
import { specialize, type ArgSpec, type Specialized } from '../compiler/frontend/specialize.js'
import { formatDiagnostic } from '../compiler/frontend/diagnostics.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { FIELDS, LANDMARKS, type FieldEntry } from '../stdlib/fields/catalog.js'
import { BEGIN, DOC, END, fieldTable } from '../cli/fields.js'
import { expectClose, lower, maxAbs, randn, rootPath, run, S, scalar, seeded, T } from './helpers.js'
import { vjpErrors } from './gradcheck.js'
import { argSpec } from '../compiler/runtime/signature.js'
import { printGraph } from '../compiler/ir/print.js'
import { expectFloat32Run, expectFloat64Output } from './tolerance.js'

const fieldFile = (f: { file: string }) => rootPath('stdlib/fields', f.file)
const LOSS = rootPath('stdlib/fields/driftLoss.ts')

const rowsOf = (...parts: NDArray[]): NDArray => ({
  shape: [parts.reduce((n, p) => n + p.shape[0], 0), parts[0].shape[1]],
  dtype: 'f32',
  data: Float64Array.from(parts.flatMap((p) => Array.from(p.data))),
})
const far = (n: number, d: number, r: () => number): NDArray => {
  const p = randn([n, d], r)
  for (let i = 0; i < n; i++) p.data[i * d] += 1e4
  return p
}

/** Iterations for the interpreter-only property tests (accurate, never lowered). */
const PROPERTY_STATICS: Record<string, ArgSpec[]> = {
  sinkhornField: [S(20)],
  nystromField: [T([LANDMARKS, 2]), T([]), S(40)],
}

/** The traced arguments after tau: a = b = 1 for scaledField (anti-symmetric there); Nyström's landmarks = the point set. */
function extraInputs(f: FieldEntry, q: NDArray): NDArray[] {
  if (f.name === 'scaledField') return [scalar(1), scalar(1)]
  if (f.name === 'nystromField') return [q, scalar(1e-4)]
  return []
}

describe('symmetries: V_{p,p} = 0 and V_{p,q} = −V_{q,p} where claimed, broken by the destructive forms', () => {
  const [N, K, d] = [12, LANDMARKS, 2]
  test.each(FIELDS.map((f) => [f.name, f] as const))('%s', (_, f) => {
    seeded((r) => {
      const x = randn([N, d], r)
      const [q, q2] = [randn([K, d], r), randn([K, d], r, 1.5)]
      const pad = far(N, d, r)
      const set = (p: NDArray) => (f.masked ? rowsOf(pad, p) : p)
      const rows = set(q).shape[0]
      const spec = lower(fieldFile(f), f.name, [
        T([N, d]),
        T([rows, d]),
        T([rows, d]),
        T([]),
        ...(PROPERTY_STATICS[f.name] ?? f.extra(d)),
      ])
      const tau = scalar(0.5 + 0.5 * r())
      const V = (pos: NDArray, neg: NDArray) => run(spec, [x, set(pos), set(neg), tau, ...extraInputs(f, q)])[0].data
      const [vpq, vqp, vpp] = [V(q, q2), V(q2, q), V(q, q)]
      const scale = maxAbs(vpq)
      expect(scale, 'V_{p,q} is not trivially zero').toBeGreaterThan(1e-3)
      for (const v of vpq) expect(Number.isFinite(v)).toBe(true)
      const sum = vpq.map((v, i) => v + vqp[i])
      if (f.claim === 'anti-symmetric') {
        // zero up to float64 rounding of terms as large as the field itself (observed: exactly 0, and 1e-15·scale)
        const zero = { rtol: 0, atol: 1e-13 * scale }
        expectClose(vpp, new Float64Array(vpp.length), zero, 'V_{p,p}')
        expectClose(sum, new Float64Array(sum.length), zero, 'V_{p,q} + V_{q,p}')
      } else if (f.claim === 'approximately zero at p = q') {
        expect(maxAbs(vpp) / scale, 'V_{p,p} relative to V_{p,q} (observed ~3e-5)').toBeLessThan(1e-3)
      } else {
        expect(maxAbs(vpp) / scale, 'V_{p,p} must be clearly nonzero').toBeGreaterThan(0.05)
        expect(maxAbs(sum) / scale, 'V_{p,q} + V_{q,p} must be clearly nonzero').toBeGreaterThan(0.05)
      }
    })
  })

  test('scaledField with traced a ≠ b breaks anti-symmetry, with a = b = 1 it is paperField', () => {
    seeded((r) => {
      const x = randn([N, d], r)
      const [pos, neg] = [rowsOf(far(N, d, r), randn([K, d], r)), rowsOf(far(N, d, r), randn([K, d], r))]
      const args = [T([N, d]), T([N + K, d]), T([N + K, d]), T([])]
      const scaled = lower(fieldFile({ file: 'scaled.ts' }), 'scaledField', [...args, T([]), T([])])
      const paper = lower(fieldFile({ file: 'paper.ts' }), 'paperField', args)
      const tau = scalar(0.7)
      const [v11] = run(scaled, [x, pos, neg, tau, scalar(1), scalar(1)])
      const [want] = run(paper, [x, pos, neg, tau])
      // two float64 graphs of one formula (test/tolerance.ts)
      expectFloat64Output(paper.graph, 0, v11.data, want.data, 'a = b = 1')
      const [vpp] = run(scaled, [x, pos, pos, tau, scalar(1), scalar(1.5)])
      expect(maxAbs(vpp.data) / maxAbs(v11.data)).toBeGreaterThan(0.05)
    })
  })
})

describe('similarity kernels of a distance tensor (stdlib/similarity)', () => {
  const KERNELS: [string, string, (r: number, t: number) => number][] = [
    ['laplace.ts', 'laplace', (r, t) => Math.exp(-r / t)],
    ['gaussian.ts', 'gaussian', (r, s) => Math.exp(-(r * r) / (2 * s * s))],
    ['matern.ts', 'matern32', (r, l) => (1 + r / l) * Math.exp(-r / l)],
    ['matern.ts', 'matern52', (r, l) => (1 + r / l + (r * r) / (3 * l * l)) * Math.exp(-r / l)],
    ['sharp.ts', 'laplaceSharp', (r, t) => (1 + r / t) * Math.exp(-r / t)],
  ]
  const distances = (r: () => number): NDArray => ({
    shape: [7],
    dtype: 'f32',
    data: Float64Array.from({ length: 7 }, () => Math.fround(3 * r())),
  })
  test.each(KERNELS)('%s: %s and its logits (log k)', (file, name, formula) => {
    seeded((r) => {
      const [d, t] = [distances(r), Math.fround(0.2 + r())]
      const k = run(lower(rootPath('stdlib/similarity', file), name, [T([7]), T([])]), [d, scalar(t)])[0].data
      // a float64 formula of positive factors: a few roundings of each value, nothing cancels
      expectClose(
        k,
        Array.from(d.data, (v) => formula(v, t)),
        { rtol: 1e-14, atol: 0 },
        name,
      )
      const logK = run(lower(rootPath('stdlib/similarity', file), `${name}Logits`, [T([7]), T([])]), [d, scalar(t)])[0]
        .data
      // log(1 + r/ℓ + …) − r/ℓ cancels for small r, down to float64 roundings of numbers near 1
      expectClose(
        logK,
        Array.from(d.data, (v) => Math.log(formula(v, t))),
        { rtol: 1e-12, atol: 1e-15 },
        `${name}Logits`,
      )
    })
  })

  test("the sharp companion: dk♯/dr = −(r/τ²)·k(r), i.e. τ²∇ₓk♯(‖x − y‖) = k(x, y)(y − x) (by the compiler's autodiff)", () => {
    seeded((r) => {
      const [d, t] = [distances(r), Math.fround(0.2 + r())]
      const g = specialize(
        { file: rootPath('stdlib/similarity/sharp.ts'), exportName: 'laplaceSharp', transform: { kind: 'vjp' } },
        [T([7]), T([]), T([7])],
      )
      if (g._tag === 'Left') throw new Error(formatDiagnostic(g.left[0]))
      const [, dk] = run(g.right, [d, scalar(t), { shape: [7], dtype: 'f32', data: new Float64Array(7).fill(1) }])
      // a product of a few float64 factors, no cancellation
      expectClose(
        dk.data,
        Array.from(d.data, (v) => (-v / (t * t)) * Math.exp(-v / t)),
        { rtol: 1e-13, atol: 0 },
        'dk♯/dr',
      )
    })
  })
})

test('inverseSqrt (coupled Newton–Schulz, for Nyström): Z A Z = I for a random SPD A', () => {
  seeded((r) => {
    const n = 6
    const b = randn([n, n], r)
    const a = new Float64Array(n * n)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        for (let k = 0; k < n; k++)
          a[i * n + j] += (b.data[i * n + k] * b.data[j * n + k]) / n + (i === j && k === 0 ? 0.5 : 0)
    const [z] = run(lower(rootPath('stdlib/fields/inverseSqrt.ts'), 'inverseSqrt', [T([n, n]), S(30)]), [
      { shape: [n, n], dtype: 'f32', data: a },
    ])
    const zaz = new Float64Array(n * n)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        for (let k = 0; k < n; k++)
          for (let l = 0; l < n; l++) zaz[i * n + j] += z.data[i * n + k] * a[k * n + l] * z.data[l * n + j]
    // the off-diagonal zeros are sums of 36 float64 products of O(1) entries (observed within 1e-15)
    expectClose(
      zaz,
      Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0)),
      { rtol: 1e-12, atol: 1e-13 },
      'Z A Z',
    )
  })
})

// ---- independent float64 references (plain loops: paper Alg. 2, and the official drift_loss.py) ----

/** Algorithm 2 (paper App. A.1), with the official code's eps 1e-8 inside the square root of the distance. */
function paperReference(x: NDArray, pos: NDArray, neg: NDArray, tau: number): Float64Array {
  const [N, D] = x.shape
  const [P, M] = [pos.shape[0], neg.shape[0]]
  const dist = (a: NDArray, i: number, b: NDArray, j: number) => {
    let s = 0
    for (let c = 0; c < D; c++) s += (a.data[i * D + c] - b.data[j * D + c]) ** 2
    return Math.sqrt(s + 1e-8)
  }
  const W = P + M
  const logit = Array.from({ length: N }, (_, i) =>
    Array.from({ length: W }, (_, j) =>
      j < P ? -dist(x, i, pos, j) / tau : -(dist(x, i, neg, j - P) + (i === j - P ? 1e6 : 0)) / tau,
    ),
  )
  const rowSum = logit.map((row) => row.reduce((s, l) => s + Math.exp(l), 0))
  const colSum = Array.from({ length: W }, (_, j) => logit.reduce((s, row) => s + Math.exp(row[j]), 0))
  const A = logit.map((row, i) => row.map((l, j) => Math.sqrt((Math.exp(l) / rowSum[i]) * (Math.exp(l) / colSum[j]))))
  const V = new Float64Array(N * D)
  for (let i = 0; i < N; i++) {
    let [sPos, sNeg] = [0, 0]
    for (let j = 0; j < W; j++) j < P ? (sPos += A[i][j]) : (sNeg += A[i][j])
    for (let c = 0; c < D; c++) {
      let v = 0
      for (let j = 0; j < P; j++) v += A[i][j] * sNeg * pos.data[j * D + c]
      for (let k = 0; k < M; k++) v -= A[i][P + k] * sPos * neg.data[k * D + c]
      V[i * D + c] = v
    }
  }
  return V
}

/** A loss variant as the reference reads it (stdlib/fields/driftLossVariant.ts; docs/mnist.md#loss-variants). */
interface LossVariant {
  attraction: number
  repulsion: number
  normalize: 'both' | 'row' | 'none'
  temperatures: number[]
  affinityFloor: number
}
const OFFICIAL: LossVariant = {
  attraction: 1,
  repulsion: 1,
  normalize: 'both',
  temperatures: [0.02, 0.05, 0.2],
  affinityFloor: 1e-3,
}

/**
 * The official drift_loss.py (paper App. A.6; docs/paper.md#official-loss), literally, in loops: loss,
 * f2 per τ, and ∂loss/∂gen; with a variant, per τ the affinity A of its normalization and
 * F = a·V⁺ − b·V⁻, V⁺ = Σⱼ A⁺ᵢⱼ·rowsum(A⁻)ᵢ·(y⁺ⱼ − xᵢ), V⁻ = Σₖ A⁻ᵢₖ·rowsum(A⁺)ᵢ·(y⁻ₖ − xᵢ) (both halves returned).
 */
function driftLossReference(gen: NDArray, fneg: NDArray, fpos: NDArray, w: NDArray, v: LossVariant = OFFICIAL) {
  const [B, Cg, S] = gen.shape
  const [Cn, Cp] = [fneg.shape[1], fpos.shape[1]]
  const Ct = Cg + Cn + Cp
  const target = (b: number, j: number, s: number) =>
    j < Cg
      ? gen.data[(b * Cg + j) * S + s]
      : j < Cg + Cn
        ? fneg.data[(b * Cn + j - Cg) * S + s]
        : fpos.data[(b * Cp + j - Cg - Cn) * S + s]
  const tw = (b: number, j: number) => (j >= Cg && j < Cg + Cn ? w.data[b] : 1)
  const dist = (b: number, i: number, j: number) => {
    let q = 0
    for (let s = 0; s < S; s++) q += (gen.data[(b * Cg + i) * S + s] - target(b, j, s)) ** 2
    return Math.sqrt(Math.max(q, 1e-8))
  }
  let [weighted, wsum] = [0, 0]
  for (let b = 0; b < B; b++)
    for (let j = 0; j < Ct; j++) {
      wsum += tw(b, j)
      for (let i = 0; i < Cg; i++) weighted += dist(b, i, j) * tw(b, j)
    }
  const scale = weighted / (B * Cg * Ct) / (wsum / (B * Ct))
  const si = Math.max(scale / Math.sqrt(S), 1e-3)
  const force = new Float64Array(B * Cg * S)
  const f2s: number[] = []
  const halves: { plus: Float64Array; minus: Float64Array }[] = []
  for (const R of v.temperatures) {
    const F = new Float64Array(B * Cg * S)
    const [plus, minus] = [new Float64Array(B * Cg * S), new Float64Array(B * Cg * S)]
    const logits = Array.from({ length: B }, (_, b) =>
      Array.from({ length: Cg }, (_, i) =>
        Array.from({ length: Ct }, (_, j) => -(dist(b, i, j) / Math.max(scale, 1e-3) + (i === j ? 100 : 0)) / R),
      ),
    )
    const maxAll = Math.max(...logits.flat(2))
    for (let b = 0; b < B; b++) {
      const logit = logits[b]
      const rowMax = logit.map((row) => Math.max(...row))
      const colMax = Array.from({ length: Ct }, (_, j) => Math.max(...logit.map((row) => row[j])))
      const rowSum = logit.map((row, i) => row.reduce((s, l) => s + Math.exp(l - rowMax[i]), 0))
      const colSum = Array.from({ length: Ct }, (_, j) => logit.reduce((s, row) => s + Math.exp(row[j] - colMax[j]), 0))
      const affinity = (i: number, j: number, l: number) => {
        const row = Math.exp(l - rowMax[i]) / rowSum[i]
        if (v.normalize === 'row') return row
        if (v.normalize === 'none') return Math.exp(l - maxAll)
        return Math.sqrt(Math.max(row * (Math.exp(l - colMax[j]) / colSum[j]), v.affinityFloor ** 2))
      }
      for (let i = 0; i < Cg; i++) {
        const aff = logit[i].map((l, j) => affinity(i, j, l) * tw(b, j))
        let [negSum, posSum] = [0, 0]
        aff.forEach((a, j) => (j < Cg + Cn ? (negSum += a) : (posSum += a)))
        for (let s = 0; s < S; s++) {
          const k = (b * Cg + i) * S + s
          const x = gen.data[k] / si
          for (let j = 0; j < Ct; j++) {
            const d = target(b, j, s) / si - x
            if (j < Cg + Cn) minus[k] += aff[j] * posSum * d
            else plus[k] += aff[j] * negSum * d
          }
          F[k] = v.attraction * plus[k] - v.repulsion * minus[k]
        }
      }
    }
    const f2 = F.reduce((s, x) => s + x * x, 0) / F.length
    f2s.push(f2)
    halves.push({ plus, minus })
    F.forEach((x, k) => (force[k] += x / Math.sqrt(Math.max(f2, 1e-8))))
  }
  // goal = gen/si + force, so (gen/si − goal)² = force²; ∂/∂gen = 2(gen/si − goal)/si / (B·Cg·S)
  const loss = force.reduce((s, x) => s + x * x, 0) / force.length
  const grad = force.map((x) => (-2 * x) / si / force.length)
  return { loss, f2s, grad, halves, si }
}

describe('paperField and the official loss equal independent float64 loops', () => {
  test('paperField = Algorithm 2 (neg = x, self-masked)', () => {
    seeded((r) => {
      const [N, P, D] = [9 + Math.floor(8 * r()), 5 + Math.floor(12 * r()), 1 + Math.floor(4 * r())]
      const [x, pos, tau] = [randn([N, D], r), randn([P, D], r, 1.5), 0.1 + r()]
      const spec = lower(fieldFile({ file: 'paper.ts' }), 'paperField', [T([N, D]), T([P, D]), T([N, D]), T([])])
      const [v] = run(spec, [x, pos, x, scalar(tau)])
      const want = paperReference(x, pos, x, Math.fround(tau))
      // float64 both ways (test/tolerance.ts)
      expectFloat64Output(spec.graph, 0, v.data, want, 'V')
    })
  })

  test('driftLoss = drift_loss.py: loss, per-temperature f2, and the gradient −2·force/(scale·B·Cg·S), with CFG weights', () => {
    seeded((r) => {
      const [B, Cg, Cn, Cp, S] = [
        3,
        6 + Math.floor(4 * r()),
        2 + Math.floor(3 * r()),
        4 + Math.floor(4 * r()),
        3 + Math.floor(4 * r()),
      ]
      const gen = randn([B, Cg, S], r, 0.5)
      const [fneg, fpos] = [randn([B, Cn, S], r), randn([B, Cp, S], r, 1.3)]
      const w: NDArray = {
        shape: [B],
        dtype: 'f32',
        data: Float64Array.from([0, 1 + 2 * r(), 4 * r()].map(Math.fround)),
      }
      const args = [T([B, Cg, S]), T([B, Cn, S]), T([B, Cp, S]), T([B])]
      const ct: ArgSpec = {
        tag: 'object',
        fields: [
          ['loss', T([])],
          ['perTemperature', T([3])],
        ],
      }
      const r0 = specialize({ file: LOSS, exportName: 'driftLoss', transform: { kind: 'vjp' } }, [...args, ct])
      if (r0._tag === 'Left') throw new Error(r0.left.map((dg) => formatDiagnostic(dg)).join('\n'))
      const seed: NDArray[] = [scalar(1), { shape: [3], dtype: 'f32', data: new Float64Array(3) }]
      const [loss, perT, dGen] = run(r0.right, [gen, fneg, fpos, w, ...seed])
      const want = driftLossReference(gen, fneg, fpos, w)
      // means of squares: nothing cancels, 1e-12 is thousands of float64 roundings
      expectClose(loss.data, [want.loss], { rtol: 1e-12, atol: 0 }, 'loss')
      expectClose(perT.data, want.f2s, { rtol: 1e-12, atol: 0 }, 'perTemperature')
      // the force is a sum that cancels (test/tolerance.ts)
      expectFloat64Output(r0.right.graph, 2, dGen.data, want.grad, '∂loss/∂gen')
      expect(want.loss, 'each normalized τ contributes ≈ 1 per dimension').toBeGreaterThan(0.5)
    })
  })
})

describe('the loss variants (docs/mnist.md#loss-variants) equal the same loops', () => {
  const [B, Cg, Cn, Cp, S] = [2, 4, 3, 5, 3]
  const VARIANTS: [string, LossVariant][] = [
    ['1.5× attraction', { ...OFFICIAL, attraction: 1.5 }],
    ['1.5× repulsion', { ...OFFICIAL, repulsion: 1.5 }],
    ['2× attraction', { ...OFFICIAL, attraction: 2 }],
    ['2× repulsion', { ...OFFICIAL, repulsion: 2 }],
    ['attraction only', { ...OFFICIAL, repulsion: 0 }],
    ['softmax over the targets', { ...OFFICIAL, normalize: 'row' }],
    ['no normalization', { ...OFFICIAL, normalize: 'none' }],
    ['τ = 0.02 alone', { ...OFFICIAL, temperatures: [0.02] }],
    ['τ = 0.05 alone', { ...OFFICIAL, temperatures: [0.05] }],
    ['τ = 0.2 alone', { ...OFFICIAL, temperatures: [0.2] }],
    ['no affinity floor', { ...OFFICIAL, affinityFloor: 0 }],
    [
      'no normalization, 2× repulsion, τ = 0.2 and 0.05',
      { ...OFFICIAL, normalize: 'none', repulsion: 2, temperatures: [0.2, 0.05] },
    ],
  ]
  const inputs = (r: () => number): NDArray[] => [
    randn([B, Cg, S], r, 0.5),
    randn([B, Cn, S], r),
    randn([B, Cp, S], r, 1.3),
    { shape: [B], dtype: 'f32', data: Float64Array.from([0.7, 2.1].map(Math.fround)) },
  ]
  const ARGS = [T([B, Cg, S]), T([B, Cn, S]), T([B, Cp, S]), T([B])]
  /** driftLoss's vjp at a variant: [loss, perTemperature, ∂loss/∂gen, …] of the inputs and the cotangent (1, 0). */
  const vjpOf = (v: LossVariant, ins: NDArray[]) => {
    const k = v.temperatures.length
    const ct: ArgSpec = {
      tag: 'object',
      fields: [
        ['loss', T([])],
        ['perTemperature', T([k])],
      ],
    }
    const r0 = specialize({ file: LOSS, exportName: 'driftLoss', transform: { kind: 'vjp' } }, [
      ...ARGS,
      argSpec(v, true, 'variant'),
      ct,
    ])
    if (r0._tag === 'Left') throw new Error(r0.left.map((dg) => formatDiagnostic(dg)).join('\n'))
    const seed: NDArray[] = [scalar(1), { shape: [k], dtype: 'f32', data: new Float64Array(k) }]
    return { graph: r0.right.graph, out: run(r0.right, [...ins, ...seed]) }
  }

  test.each(VARIANTS)('%s: loss, f2 per τ and ∂loss/∂gen', (_, v) =>
    seeded((r) => {
      const ins = inputs(r)
      const { graph, out } = vjpOf(v, ins)
      const [loss, perT, dGen] = out
      const want = driftLossReference(ins[0], ins[1], ins[2], ins[3], v)
      expectClose(loss.data, [want.loss], { rtol: 1e-12, atol: 0 }, 'loss')
      expectClose(perT.data, want.f2s, { rtol: 1e-12, atol: 0 }, 'perTemperature')
      expectFloat64Output(graph, 2, dGen.data, want.grad, '∂loss/∂gen')
      // the variant changes the drift: its force differs from the official loss's by more than 1 %
      const official = driftLossReference(ins[0], ins[1], ins[2], ins[3])
      const gap = maxAbs(want.grad.map((g, i) => g - official.grad[i]))
      expect(gap, 'the variant’s gradient against the official one').toBeGreaterThan(0.01 * maxAbs(official.grad))
    }),
  )

  test('attraction only: the drift is the V⁺ half, V⁺/√mean (V⁺)², though V⁻ is not 0', () =>
    seeded((r) => {
      const ins = inputs(r)
      const v: LossVariant = { ...OFFICIAL, repulsion: 0, temperatures: [0.05] }
      const { graph, out } = vjpOf(v, ins)
      const { plus, minus } = driftLossReference(ins[0], ins[1], ins[2], ins[3], v).halves[0]
      const { si } = driftLossReference(ins[0], ins[1], ins[2], ins[3], v)
      const meanSquare = (a: Float64Array) => a.reduce((s, x) => s + x * x, 0) / a.length
      expect(meanSquare(minus), 'mean (V⁻)²').toBeGreaterThan(0.01 * meanSquare(plus))
      expectClose(out[1].data, [meanSquare(plus)], { rtol: 1e-12, atol: 0 }, 'f2 = mean (V⁺)²')
      // ∂loss/∂gen = −2·force/(σ·B·Cg·S), force = V⁺/√f2
      const force = plus.map((x) => x / Math.sqrt(meanSquare(plus)))
      expectFloat64Output(
        graph,
        2,
        out[2].data,
        force.map((x) => (-2 * x) / si / plus.length),
        '∂loss/∂gen',
      )
    }))

  test('left out, the variant is the official loss: the graph of passing it; another variant’s differs', () => {
    const print = (variant?: LossVariant) =>
      printGraph(lower(LOSS, 'driftLoss', variant ? [...ARGS, argSpec(variant, true, 'variant')] : ARGS).graph, {
        locations: false,
      })
    const official = print()
    expect(print(OFFICIAL)).toBe(official)
    expect(print({ ...OFFICIAL, attraction: 1.5 })).not.toBe(official)
  })
})

describe('every field’s vjp matches central finite differences in float64, with respect to x, pos and neg', () => {
  const [N, P, M, d] = [5, 6, 5, 2]
  const inputsFor = (f: FieldEntry, r: () => number) => {
    const extra =
      f.name === 'scaledField'
        ? [scalar(1.5), scalar(1)]
        : f.name === 'nystromField'
          ? [randn([LANDMARKS, d], r), scalar(1e-4)]
          : []
    return [randn([N, d], r), randn([P, d], r), randn([M, d], r), scalar(0.3 + r()), ...extra]
  }
  test.each(FIELDS.map((f) => [f.name, f] as const))('%s', (_, f) =>
    seeded((r, seed) => {
      const args = [T([N, d]), T([P, d]), T([M, d]), T([]), ...f.extra(d)]
      const ins = inputsFor(f, r)
      const [v] = run(lower(fieldFile(f), f.name, args), ins)
      expect(v.shape).toEqual([N, d])
      const [x, pos, neg] = vjpErrors(fieldFile(f), f.name, args, ins, [0, 1, 2], seed)
      // per element, relative above 1e-3 of the largest (test/gradcheck.ts)
      expect(x, 'error in ∂/∂x').toBeLessThan(1e-6)
      expect(pos, 'error in ∂/∂pos').toBeLessThan(1e-6)
      expect(neg, 'error in ∂/∂neg').toBeLessThan(1e-6)
    }),
  )
})

describe('the compiled path (gpu.js cpu) equals the float64 interpreter', () => {
  const cpu = new GpujsRuntime('cpu')
  const compiled = (spec: Specialized, ins: NDArray[]) => cpu.run(lowerGraph(spec.graph).plan, ins)

  test('driftLoss', () => {
    seeded((r) => {
      const [B, Cg, Cn, Cp, S] = [2, 12, 4, 10, 5]
      const spec = lower(LOSS, 'driftLoss', [T([B, Cg, S]), T([B, Cn, S]), T([B, Cp, S]), T([B])])
      const w: NDArray = { shape: [B], dtype: 'f32', data: Float64Array.of(Math.fround(3 * r()), 1) }
      const ins = [randn([B, Cg, S], r), randn([B, Cn, S], r), randn([B, Cp, S], r), w]
      const [got, want] = [compiled(spec, ins), run(spec, ins)]
      // float32 kernels against the float64 interpreter, output by output (test/tolerance.ts)
      expectFloat32Run(spec.graph, got, want, 'driftLoss')
    })
  })

  test.each([
    // the raw exponentials exp(L) would leave f2 at τ = 0.02 at 1e−45 and below: 0 in float32
    ['on random features', [1, 1]],
    // the wide row's exponentials underflow to 0 at τ = 0.02, the tight row's hold the key's largest affinity
    ['on one row 1000 times tighter than the other', [1e-3, 1]],
  ])(
    'driftLoss without kernel normalization %s: finite, as the float64 interpreter, no f2 underflowed',
    (_, spreads) => {
      seeded((r) => {
        const [B, Cg, Cn, Cp, S] = [2, 6, 3, 5, 8]
        const variant = { ...OFFICIAL, normalize: 'none' }
        const args = [T([B, Cg, S]), T([B, Cn, S]), T([B, Cp, S]), T([B]), argSpec(variant, true, 'variant')]
        const spec = lower(LOSS, 'driftLoss', args)
        const rowsScaled = (a: NDArray): NDArray => {
          const per = a.data.length / B
          return { ...a, data: a.data.map((x, i) => Math.fround(x * spreads[Math.floor(i / per)])) }
        }
        const w: NDArray = { shape: [B], dtype: 'f32', data: Float64Array.of(1.5, 0.5) }
        const ins = [
          rowsScaled(randn([B, Cg, S], r)),
          rowsScaled(randn([B, Cn, S], r)),
          rowsScaled(randn([B, Cp, S], r)),
          w,
        ]
        const [got, want] = [compiled(spec, ins), run(spec, ins)]
        for (const [i, o] of got.entries())
          expect(Array.from(o.data).every(Number.isFinite), `output ${i} finite`).toBe(true)
        // float32 kernels against the float64 interpreter, output by output (test/tolerance.ts)
        expectFloat32Run(spec.graph, got, want, 'driftLoss, no normalization')
        // exp(L − max L): the key's largest affinity is 1, so every τ's f2 is a normal float32 number
        for (const f2 of got[1].data) expect(f2, 'f2 per τ').toBeGreaterThan(2 ** -126)
      })
    },
  )

  test.each([['sharpField'], ['gaussianField'], ['sinkhornField'], ['biasCorrectedField']])('%s', (name) => {
    seeded((r) => {
      const f = FIELDS.find((e) => e.name === name)!
      const [N, P, d] = [24, 20, 3]
      const spec = lower(fieldFile(f), f.name, [T([N, d]), T([P, d]), T([N, d]), T([]), ...f.extra(d)])
      const x = randn([N, d], r)
      const ins = [x, randn([P, d], r), x, scalar(0.5 + r())]
      // float32 kernels against the float64 interpreter, output by output (test/tolerance.ts)
      expectFloat32Run(spec.graph, compiled(spec, ins), run(spec, ins), name)
    })
  })
})

test('docs/fields.md holds the table the compiler produces now (regenerate: npx drift fields --write)', () => {
  const doc = fs.readFileSync(DOC, 'utf8')
  expect(doc.includes(BEGIN) && doc.includes(END), 'table markers').toBe(true)
  const inDoc = doc.split(BEGIN)[1].split(END)[0].trim()
  expect(inDoc).toBe(fieldTable().trim())
}, 60_000)
