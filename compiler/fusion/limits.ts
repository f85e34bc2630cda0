/** What a backend tells the fusion stage: what it can bind, how it weighs work, which rewrites suit it. */
import type { CostModel } from './cost.js'
import type { RewriteName } from './rewrites.js'
import type { PrimName } from '../ir/types.js'

/**
 * What a backend can bind and what a launch costs there: a WebGPU device binds a fixed number of
 * storage buffers per kernel, each up to a size; drift's wasm kernels are plain function calls (a
 * launch weighs little, and stacking siblings into one kernel would only add branches to
 * vectorized code).
 */
export interface BackendLimits extends CostModel {
  /** Buffers one kernel may read (its output not counted). */
  maxBuffers?: number
  /** Elements one buffer may hold (a kernel writing more is never chosen; default: no limit). */
  maxBufferElements?: number
  /** Loop iterations one thread may run (kernel/analyze.ts loopTrips; a device that stops loops early has one). */
  maxThreadIterations?: number
  /** May siblings share one launch (stacked slots)? Default true. */
  stacking?: boolean
  /** Graph rewrites run before fusion for this backend, in order (fusion/rewrites.ts). Default none. */
  rewrites?: RewriteName[]
  /** How convolutions read their patches under the convMatmuls rewrite: stored (im2col, the default) or recomputed (direct). */
  convDesign?: 'im2col' | 'direct'
  /**
   * Primitives this backend evaluates on the host, by their reference semantics, instead of in a
   * kernel: on a CPU, a scatter of N rows into a table is N row additions there, where a kernel
   * (one thread per table element) scans all N indices for every element.
   */
  hostPrimitives?: PrimName[]
  /** At most this many elements of buffers (all of a plan's, added up) may the search choose to store (default: no limit). */
  memoryBudget?: number
}

export interface FusionHints {
  materialize?: Set<number>
  inline?: Set<number>
}
