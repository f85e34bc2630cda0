/**
 * L2: kernels and plans. A kernel computes one output buffer, one element per thread, from
 * input buffers and per-step scalars; its body is straight-line code with constant-bound loops.
 * A plan is the sequence of steps that runs a whole L1 graph with intermediates kept in buffers.
 */
import type { DType, PrimName, SourceLoc } from '../ir/types.js'

export type KExpr =
  | { k: 'num'; v: number }
  | { k: 'ref'; name: string }
  | { k: 'load'; buf: string; index: KExpr }
  | { k: 'un'; op: string; a: KExpr }
  | { k: 'bin'; op: string; a: KExpr; b: KExpr }
  | { k: 'sel'; c: KExpr; a: KExpr; b: KExpr }
  /** Integer division and remainder of non-negative index arithmetic. */
  | { k: 'idiv'; a: KExpr; b: number }
  | { k: 'imod'; a: KExpr; b: number }

export type KStmt = (
  | { k: 'let'; name: string; value: KExpr }
  | { k: 'set'; name: string; value: KExpr }
  | { k: 'for'; v: string; n: number; body: KStmt[] }
  /** `weight`: the expected fraction of threads taking `then` (for the cost model). */
  | { k: 'if'; c: KExpr; then: KStmt[]; else?: KStmt[]; weight: number }
) & {
  /** The equation whose element code wrote the statement: an index into its kernel's `fused` (absent for the kernel's own frame). */
  src?: number
}

export interface Kernel {
  name: string
  /** Buffer written, its logical shape and dtype. */
  out: { buf: string; shape: number[]; dtype: DType }
  /** The extent of the thread grid [x, y?, z?]: one thread per output element, tx fastest (ids tx, ty, tz). */
  grid: number[]
  /** Buffer parameters, then scalar parameters, in call order. */
  buffers: string[]
  scalars: string[]
  body: KStmt[]
  result: KExpr
  /** The longest loop (gpu.js needs it; the wasm runtime sizes its thread bands with it). */
  maxLoop: number
  /** L1 primitives fused into this kernel, with their source locations (statements name theirs by index, `src`). */
  fused: { prim: PrimName; loc?: SourceLoc }[]
}

export interface BufferInfo {
  name: string
  shape: number[]
  dtype: DType
  /** Where the buffer comes from. */
  role: 'input' | 'intermediate' | 'output'
  /** For inputs: the graph input index. */
  inputIndex?: number
  /** For a packed input buffer: the graph inputs it holds, each at an element offset. */
  packs?: { inputIndex: number; offset: number; shape: number[]; dtype: DType }[]
  /** Why it exists (for --explain). */
  reason: string
}

export type Step =
  | { k: 'launch'; kernel: Kernel }
  /** An equation evaluated on the host by its reference semantics (counter-based random draws). */
  | { k: 'host'; prim: PrimName; params: Record<string, unknown>; inputs: HostInput[]; out: string; loc?: SourceLoc }
  | { k: 'free'; buf: string }

export type HostInput = { buf: string } | { value: number; dtype: DType }

export interface Plan {
  buffers: BufferInfo[]
  /** Rank-0 f32 graph inputs passed as kernel scalars: name → graph input index. */
  scalars: { name: string; inputIndex: number }[]
  steps: Step[]
  /** For each graph output: a buffer, a scalar, or a literal. */
  outputs: (
    { k: 'buffer'; buf: string } | { k: 'scalar'; name: string } | { k: 'literal'; value: number; dtype: DType }
  )[]
}
