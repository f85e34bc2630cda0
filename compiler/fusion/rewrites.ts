/**
 * The per-backend rewrite pipeline: graph rewrites that suit one backend's kernels, run before
 * fusion in the order the backend lists them (BackendLimits.rewrites). Each is verified under
 * DRIFT_VERIFY. `layouts` are variables offered in another memory layout, which the search may
 * store for the contiguous loads they give.
 */
import type { Graph } from '../ir/types.js'
import { checked } from '../ir/verify.js'
import { splitReductions } from '../transforms/splitReductions.js'
import { transposedOperands } from '../transforms/transposedOperands.js'
import { convMatmuls } from '../transforms/convMatmuls.js'
import { narrowConcats } from '../transforms/narrowConcats.js'
import type { BackendLimits } from './limits.js'

export interface Rewritten {
  graph: Graph
  /** Variables offered in another layout: candidates for storing. */
  layouts: Set<number>
  /** Variables fusion must store, with why. */
  stored: Map<number, string>
  /** Variables fusion must recompute where they are read. */
  inline: Set<number>
}

const nothing = (graph: Graph): Rewritten => ({ graph, layouts: new Set(), stored: new Map(), inline: new Set() })

const REWRITES = {
  /** Convolutions as matrix products over their patches (transforms/convMatmuls.ts). */
  convMatmuls: (g: Graph, limits: BackendLimits): Rewritten => ({
    ...nothing(g),
    ...convMatmuls(g, () => limits.convDesign ?? 'im2col'),
  }),
  /** Long reductions over several axes in two, the per-row reductions stored (transforms/splitReductions.ts). */
  splitReductions: (g: Graph): Rewritten => {
    const { graph, rows } = splitReductions(g)
    const why = "a split reduction's rows: recomputed, one thread would reduce the whole matrix"
    return { ...nothing(graph), stored: new Map([...rows].map((id) => [id, why])) }
  },
  /** Concatenations of more tensors than a kernel binds as trees (transforms/narrowConcats.ts). */
  narrowConcats: (g: Graph, limits: BackendLimits): Rewritten => {
    const { graph, parts } = narrowConcats(g, limits.maxBuffers ?? Infinity)
    const why = `part of a concatenation of more tensors than the ${limits.maxBuffers} buffers a kernel binds here`
    return { ...nothing(graph), stored: new Map([...parts].map((id) => [id, why])) }
  },
  /** Distance operands offered in transposed layout (transforms/transposedOperands.ts). */
  transposeOperands: (g: Graph): Rewritten => ({ ...nothing(g), ...transposedOperands(g) }),
}
export type RewriteName = keyof typeof REWRITES

export function backendRewrites(original: Graph, limits: BackendLimits): Rewritten {
  const out = nothing(original)
  for (const name of limits.rewrites ?? []) {
    const r = checked(name, () => REWRITES[name](out.graph, limits))
    out.graph = r.graph
    for (const id of r.layouts) out.layouts.add(id)
    for (const [id, why] of r.stored) out.stored.set(id, why)
    for (const id of r.inline) out.inline.add(id)
  }
  return out
}
