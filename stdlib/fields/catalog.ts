/**
 * The drifting fields of the standard library, described for tools and tests (host code, not DSL):
 * where each lives, its formula and source, the arguments after (x, pos, neg, tau), and what it claims.
 */
import type { ArgSpec } from '../../compiler/frontend/specialize.js'

export type Claim =
  | 'anti-symmetric' // V_{p,q} = −V_{q,p}, hence V_{p,p} = 0 exactly
  | 'approximately zero at p = q' // V_{p,p} ≈ 0 up to an approximation (Nyström), no exact anti-symmetry
  | 'destructive' // breaks anti-symmetry on purpose (paper Table 1)

export interface FieldEntry {
  name: string
  /** file under stdlib/fields */
  file: string
  formula: string
  source: string
  claim: Claim
  /** the self mask on the negatives (Sinkhorn has none) */
  masked: boolean
  /** argument specs after (x, pos, neg, tau), for points of dimension d */
  extra: (d: number) => ArgSpec[]
}

const T = (shape: number[]): ArgSpec => ({ tag: 'tensor', aval: { shape, dtype: 'f32' } })
const S = (value: number): ArgSpec => ({ tag: 'static', value })
const none = () => []

/** Static settings the table and the tests use for the iterative fields. */
export const SINKHORN_ITERS = 3
export const NEWTON_SCHULZ_ITERS = 6
export const LANDMARKS = 32

export const FIELDS: FieldEntry[] = [
  {
    name: 'paperField',
    file: 'paper.ts',
    formula: 'A = √(softmax_y L ⊙ softmax_x L), L = −[D⁺, D⁻]/τ; V = (A⁺⊙ΣA⁻)Y⁺ − (A⁻⊙ΣA⁺)Y⁻',
    source: 'paper Alg. 2',
    claim: 'anti-symmetric',
    masked: true,
    extra: none,
  },
  {
    name: 'softmaxYField',
    file: 'normalization.ts',
    formula: 'Alg. 2 with A = softmax_y L',
    source: 'paper Table 11',
    claim: 'anti-symmetric',
    masked: true,
    extra: none,
  },
  {
    name: 'unnormalizedField',
    file: 'normalization.ts',
    formula: 'Alg. 2 with A = exp L',
    source: 'paper Table 11',
    claim: 'anti-symmetric',
    masked: true,
    extra: none,
  },
  {
    name: 'splitField',
    file: 'split.ts',
    formula: 'softmax_y(−D⁺/τ)Y⁺ − softmax_y(−D⁻/τ)Y⁻',
    source: 'paper Eq. 8–10',
    claim: 'anti-symmetric',
    masked: true,
    extra: none,
  },
  {
    name: 'scaledField',
    file: 'scaled.ts',
    formula: 'a·ΣW⁺(Y⁺ − x) − b·ΣW⁻(Y⁻ − x), a, b traced (anti-symmetric at a = b, tested at 1, 1)',
    source: 'paper Table 1',
    claim: 'anti-symmetric',
    masked: true,
    extra: () => [T([]), T([])],
  },
  {
    name: 'scaledFieldStatic',
    file: 'scaled.ts',
    formula: 'the same, a = 1.5, b = 1 static',
    source: 'paper Table 1',
    claim: 'destructive',
    masked: true,
    extra: () => [S(1.5), S(1)],
  },
  {
    name: 'attractionOnlyField',
    file: 'scaled.ts',
    formula: 'ΣW⁺(Y⁺ − x)',
    source: 'paper Table 1',
    claim: 'destructive',
    masked: true,
    extra: none,
  },
  {
    name: 'doubleRepulsionField',
    file: 'scaled.ts',
    formula: 'ΣW⁺(Y⁺ − x) − 2ΣW⁻(Y⁻ − x)',
    source: 'paper Table 1',
    claim: 'destructive',
    masked: true,
    extra: none,
  },
  {
    name: 'gaussianField',
    file: 'gaussian.ts',
    formula: 'softmax_y(−D⁺²/2σ²)Y⁺ − softmax_y(−D⁻²/2σ²)Y⁻',
    source: 'Lai et al. 2603.07514',
    claim: 'anti-symmetric',
    masked: true,
    extra: none,
  },
  {
    name: 'kernelGradientField',
    file: 'kernelGradient.ts',
    formula: '(1/τ)[Σ softmax_y(−D⁺/τ)u⁺ − Σ softmax_y(−D⁻/τ)u⁻], u = (y − x)/‖y − x‖',
    source: 'Esteban-Casadevall et al. 2605.10727',
    claim: 'anti-symmetric',
    masked: true,
    extra: none,
  },
  {
    name: 'sharpField',
    file: 'sharp.ts',
    formula: 'Σk(y − x)/Σk♯ (pos) − (neg), k♯ = (1 + r/τ)e^{−r/τ}',
    source: '2604.06333',
    claim: 'anti-symmetric',
    masked: true,
    extra: none,
  },
  {
    name: 'matern32Field',
    file: 'matern.ts',
    formula: 'Alg. 2 with L = log(1 + r/ℓ) − r/ℓ',
    source: '2604.24196',
    claim: 'anti-symmetric',
    masked: true,
    extra: none,
  },
  {
    name: 'matern52Field',
    file: 'matern.ts',
    formula: 'Alg. 2 with L = log(1 + r/ℓ + r²/3ℓ²) − r/ℓ',
    source: '2604.24196',
    claim: 'anti-symmetric',
    masked: true,
    extra: none,
  },
  {
    name: 'mmdField',
    file: 'mmd.ts',
    formula: '(1/σ²)[mean ξ(y⁺ − x) − mean ξ(y⁻ − x)], ξ = e^{−r²/2σ²}',
    source: 'paper App. C.2',
    claim: 'anti-symmetric',
    masked: false,
    extra: none,
  },
  {
    name: 'sinkhornField',
    file: 'sinkhorn.ts',
    formula: `P_xy Y⁺ − P_xx X, P row-normalized Sinkhorn plans (T = ${SINKHORN_ITERS})`,
    source: 'He et al. 2603.12366',
    claim: 'anti-symmetric',
    masked: false,
    extra: () => [S(SINKHORN_ITERS)],
  },
  {
    name: 'nystromField',
    file: 'nystrom.ts',
    formula: `φ(x)S/φ(x)·T − softmax_y(−D⁻/τD)Y⁻, φ = k(x,U)(K_UU + λI)^{−1/2} (${NEWTON_SCHULZ_ITERS} Newton–Schulz steps, m = ${LANDMARKS})`,
    source: 'DriftXpress 2605.12183',
    claim: 'approximately zero at p = q',
    masked: true,
    extra: (d) => [T([LANDMARKS, d]), T([]), S(NEWTON_SCHULZ_ITERS)],
  },
  {
    name: 'biasCorrectedField',
    file: 'biasCorrection.ts',
    formula: 'm_ABC(Y⁺) − m_ABC(Y⁻), m_ABC = m + Σπ²(y − m)',
    source: 'Zhang et al. 2604.27239',
    claim: 'anti-symmetric',
    masked: true,
    extra: none,
  },
]
