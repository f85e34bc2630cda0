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

interface Rewritten {
  graph: Graph
  layouts: Set<number>
}

const REWRITES = {
  /** Long reductions over several axes in two (transforms/splitReductions.ts). */
  splitReductions: (g: Graph): Rewritten => ({ graph: splitReductions(g), layouts: new Set() }),
  /** Distance operands offered in transposed layout (transforms/transposedOperands.ts). */
  transposeOperands: (g: Graph): Rewritten => transposedOperands(g),
}
export type RewriteName = keyof typeof REWRITES

export function backendRewrites(graph: Graph, names: RewriteName[] = []): Rewritten {
  const layouts = new Set<number>()
  for (const name of names) {
    const r = checked(name, () => REWRITES[name](graph))
    graph = r.graph
    for (const id of r.layouts) layouts.add(id)
  }
  return { graph, layouts }
}
