import { cdist, dsl, eye, type Mat, type f32 } from '../../dsl/index.js'
import { laplace, laplaceLogits } from '../similarity/laplace.js'
import { inverseSqrt } from './inverseSqrt.js'
import { centroid, maskedDist } from './parts.js'

/**
 * DriftXpress (arXiv 2605.12183; code `methods/driftxpress.py`;
 * docs/paper.md#nyström-attraction-driftxpress): Nyström attraction through `landmarks` U, exact
 * masked-softmax repulsion. φ(x) = k(x,U)(k(U,U) + ridge·I)^{−1/2},
 * T = Σ_y φ(y), S = Σ_y φ(y)yᵀ over the positives, b⁺ = φ(x)S / max(φ(x)·T, 1e−8), V = b⁺ − m⁻.
 * Follows the code, not a paper: k = exp(−r/(τ·D)) (τ·D, not τ·√D), no bi-softmax. The code takes the
 * inverse square root by `eigh`; here `iters` coupled Newton–Schulz steps (static), see inverseSqrt.
 */
export const nystromField = dsl(
  (x: Mat, pos: Mat, neg: Mat, tau: f32, landmarks: Mat, ridge: f32, iters: number): Mat => {
    const t = tau * x.shape[1]
    const m = landmarks.shape[0]
    const root = inverseSqrt(laplace(cdist(landmarks, landmarks), t).add(eye(m, m).mul(ridge)), iters)
    const phi = (y: Mat) => laplace(cdist(y, landmarks), t).matmul(root)
    const [phiX, phiPos] = [phi(x), phi(pos)]
    const attraction = phiX.matmul(phiPos.T.matmul(pos)).div(phiX.mul(phiPos.sum(0, true)).sum(1, true).maximum(1e-8))
    const repulsion = centroid(laplaceLogits(maskedDist(x, neg), t), neg)
    return attraction.sub(repulsion)
  },
  { static: ['iters'] },
)
