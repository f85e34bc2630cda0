/**
 * drift's WebAssembly kernels in Node: the executor (executor.ts) with a worker_threads pool, the
 * fusion limits of the CPU it runs on, and V8 told to optimize kernels from their first call. The
 * browser has its own (aot/browserWorker.ts); only this module imports node:os and node:v8.
 */
import os from 'node:os'
import v8 from 'node:v8'
import { BackendError } from '../planIO.js'
import type { BackendLimits } from '../../fusion/limits.js'
import type { RewriteName } from '../../fusion/rewrites.js'
import type { PrimName } from '../../ir/types.js'
import { MAX_PAGES } from './encode.js'
import { WorkerPool } from './threads.js'
import { WasmExecutor } from './executor.js'

/** Elements the plans may store, all buffers together, by default: 1.5 GiB of the 2 GiB memory. */
const DEFAULT_BUDGET = 3 * 2 ** 27

/** DRIFT_MEMORY_BUDGET (MiB) as elements, else the default. */
function memoryBudget(): number {
  const v = process.env.DRIFT_MEMORY_BUDGET
  if (v === undefined || v === '') return DEFAULT_BUDGET
  const mib = Number(v)
  if (!Number.isFinite(mib) || mib < 0 || mib > (MAX_PAGES * 65536) / 2 ** 20)
    throw new BackendError(
      `DRIFT_MEMORY_BUDGET must be a number of MiB from 0 to ${(MAX_PAGES * 65536) / 2 ** 20}, got '${v}' (e.g. DRIFT_MEMORY_BUDGET=64: no N×N matrix is stored from N = 4096 on)`,
    )
  return (mib * 2 ** 20) / 4
}

/**
 * For the fusion stage: a launch is a function call (~a microsecond), kernels are not stacked,
 * a load that is not contiguous along the vector lanes costs one load per lane, and long
 * reductions over several axes run row by row first, and a kernel with fewer threads than
 * lanes × cores leaves the rest idle. The weights are the CPU's (docs/compiler.md), and the
 * buffers a plan stores stay within the memory budget.
 */
export const WASM_LIMITS = {
  launchCost: 5000,
  stacking: false,
  gatherWeight: 4,
  rewrites: ['convMatmuls', 'splitReductions', 'transposeOperands'] as RewriteName[],
  hostPrimitives: ['scatter_add'] as PrimName[],
  parallelism: 4 * os.availableParallelism(),
  transcendental: 24,
  slowOp: 6,
  cached: 1,
  streamed: 6,
  memoryBudget: DEFAULT_BUDGET,
}

/** WASM_LIMITS with the memory budget DRIFT_MEMORY_BUDGET asks for (read on every call: a bad value is a BackendError where it is used). */
export const wasmLimits = (): BackendLimits => ({ ...WASM_LIMITS, memoryBudget: memoryBudget() })

// V8 first runs a wasm function as quickly compiled baseline code and optimizes it only once it
// is hot: kernels run few times per plan, so compile them optimized from the start
v8.setFlagsFromString('--no-liftoff')

/** Threads per launch: DRIFT_THREADS, else one per core. */
const threadCount = () => Number(process.env.DRIFT_THREADS ?? os.availableParallelism())

/**
 * The wasm executor in Node: its worker pool is worker_threads (threads.ts), `threads` in all
 * (DRIFT_THREADS, else one per core), the calling thread included.
 */
export class WasmRuntime extends WasmExecutor {
  constructor(threads = threadCount()) {
    super(threads > 1 ? (memory) => new WorkerPool(memory, threads - 1) : undefined)
  }
}
