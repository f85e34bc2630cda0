/**
 * Fusion: L1 → a plan of kernels, in named phases.
 * 1. The backend's rewrites (rewrites.ts): graph rewrites that suit its kernels.
 * 2. The context (context.ts): producers, names, where the inputs live.
 * 3. Materialize or recompute (decide.ts): which variables get a buffer; every other one is
 *    recomputed inside the kernels that read it.
 * 4. Stacking (stacking.ts): stored siblings share launches where the backend allows it.
 * 5. The plan (plan.ts): launches and host steps in order, frees, outputs.
 */
import type { Graph } from '../ir/types.js'
import { backendRewrites } from './rewrites.js'
import { fusionContext } from './context.js'
import { decideStorage } from './decide.js'
import { stackKernels } from './stacking.js'
import { emitPlan, type Lowered } from './plan.js'
import type { BackendLimits, FusionHints } from './limits.js'

export type { BackendLimits, FusionHints, Lowered }

export function lowerGraph(original: Graph, given: FusionHints = {}, limits: BackendLimits = {}): Lowered {
  const rewritten = backendRewrites(original, limits)
  const ctx = fusionContext(rewritten, given, limits)
  const decision = decideStorage(ctx)
  return emitPlan(ctx, stackKernels(ctx, decision.materialized), decision)
}
