/**
 * The interface every backend implements. The runtime picks a backend by name (runtime/backend.ts),
 * lowers a program under the backend's limits and hands it the plan; it never switches on names.
 * A backend lives in a folder of its own (interpreter/, wasm/, webgpu/, gpujs/) and is listed in index.ts.
 */
import type { Graph } from '../ir/types.js'
import type { NDArray } from '../ir/ndarray.js'
import type { Plan } from '../kernel/types.js'
import type { BackendLimits } from '../fusion/lower.js'

export interface RunOptions {
  /** Stop at the first kernel that writes a NaN, naming it and the source lines it fuses. */
  checkNaN?: boolean
}

/** A compiled program: its L1 graph and, for backends that run kernels, the plan lowered for them. */
export interface Program {
  graph: Graph
  plan?: Plan
}

export interface Backend {
  readonly name: string
  /**
   * What the fusion stage must respect here (buffers per kernel, memory) and how its cost model
   * weighs work. Absent: the backend runs the L1 graph itself and takes no plan (the interpreter).
   */
  limits?(): BackendLimits
  /** Run a program on host inputs (checked against the program before anything runs). */
  run(program: Program, inputs: NDArray[], opts?: RunOptions): Promise<NDArray[]>
  /** The code every kernel of a plan becomes on this backend, for `drift inspect`. */
  kernelCode?(plan: Plan): string
}

/** The plan of a program, or an error saying the backend needs one. */
export function planOf(name: string, program: Program): Plan {
  if (!program.plan) throw new Error(`internal: the ${name} backend runs plans, and was given none`)
  return program.plan
}
