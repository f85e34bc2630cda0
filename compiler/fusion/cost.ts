/**
 * The cost model: estimated work of a kernel, counted on its code. A load or store of a buffer
 * far larger than a cache (2^22 elements and up) streams through memory and weighs like 64
 * arithmetic operations (a GPU does ~70 flops per float it reads from memory);
 * buffers up to 2^16 elements stay cached and weigh 2; sizes between interpolate. Each launch weighs 100 000 (tens of microseconds on a CPU, more
 * than that on a GPU, where a launch costs as much as millions of arithmetic operations). Recomputing a producer inside its
 * consumers wins when its arithmetic is cheaper than storing it and reading it back.
 */
import type { Kernel, KExpr, KStmt } from '../kernel/types.js'
import { affine, analyze, depOf, DX, DY } from '../kernel/analyze.js'
import { costOf, type CostClass } from '../ir/ops.js'

export const WEIGHTS = { op: 1, transcendental: 4, cached: 2, streamed: 64, launch: 100_000 }
/** Memory weight by buffer size: cached up to 2^16 elements (256 KB), streamed from 2^22 (16 MB), log-linear between. */
export function memory(elements: number, cached = WEIGHTS.cached, streamed = WEIGHTS.streamed): number {
  const t = Math.min(1, Math.max(0, (Math.log2(Math.max(1, elements)) - 16) / 6))
  return cached + t * (streamed - cached)
}

/** How a backend weighs work (each field defaults to the GPU-calibrated WEIGHTS, or 1 for the factors). */
export interface CostModel {
  /** The weight of one launch. */
  launchCost?: number
  /**
   * The cost factor of a load that is not contiguous along the threads a backend vectorizes (x,
   * or y when x is narrower than a vector): 1 for gpu.js, more for SIMD code, where such a load
   * takes one instruction per lane.
   */
  gatherWeight?: number
  /** How many threads the backend runs at once (SIMD lanes × cores); a kernel with fewer takes as long as if it had that many. */
  parallelism?: number
  /** The weight of exp, log, tanh and the like (a few instructions on a GPU, a polynomial of tens in SIMD code). */
  transcendental?: number
  /** The weight of a square root or a division (one instruction, but slow); default: √ as transcendental, ÷ as one op. */
  slowOp?: number
  /** The weights of a load from a cached and from a streamed (far larger than a cache) buffer. */
  cached?: number
  streamed?: number
}

export function kernelCost(k: Kernel, bufferSize: (buf: string) => number, model: CostModel = {}): number {
  const gather = model.gatherWeight ?? 1
  const transcendental = model.transcendental ?? WEIGHTS.transcendental
  const memoryOf = (elements: number) => memory(elements, model.cached, model.streamed)
  const weights: Record<CostClass, number> = {
    op: WEIGHTS.op,
    transcendental,
    root: model.slowOp ?? transcendental,
    divide: model.slowOp ?? WEIGHTS.op,
  }
  const opWeight = (op: string) => weights[costOf(op)]
  const analysis = gather > 1 ? analyze(k) : undefined
  const vectorAxis = (k.grid[0] ?? 1) >= 4 ? 'cx' : 'cy'
  const strided = (index: KExpr): boolean => {
    if (!analysis || (depOf(index, analysis) & (vectorAxis === 'cx' ? DX : DY)) === 0) return false
    const a = affine(index, analysis)
    return !a || a[vectorAxis] !== 1
  }
  const expr = (e: KExpr): number => {
    switch (e.k) {
      case 'num':
      case 'ref':
        return 0
      case 'load':
        // address arithmetic is free; loads inside it (gathers) are not
        return memoryOf(bufferSize(e.buf)) * (strided(e.index) ? gather : 1) + loadsIn(e.index)
      case 'un':
        return opWeight(e.op) + expr(e.a)
      case 'bin':
        return opWeight(e.op) + expr(e.a) + expr(e.b)
      case 'sel':
        return WEIGHTS.op + expr(e.c) + expr(e.a) + expr(e.b)
      case 'idiv':
      case 'imod':
        return WEIGHTS.op + expr(e.a)
    }
  }
  const loadsIn = (e: KExpr): number =>
    e.k === 'load'
      ? expr(e)
      : e.k === 'bin'
        ? loadsIn(e.a) + loadsIn(e.b)
        : e.k === 'un' || e.k === 'idiv' || e.k === 'imod'
          ? loadsIn(e.a)
          : e.k === 'sel'
            ? loadsIn(e.c) + loadsIn(e.a) + loadsIn(e.b)
            : 0
  const stmts = (ss: KStmt[]): number =>
    ss.reduce((acc, s) => {
      switch (s.k) {
        case 'let':
        case 'set':
          return acc + expr(s.value)
        case 'for':
          return acc + s.n * stmts(s.body)
        case 'if':
          // conditions are index comparisons (slot dispatch, concat and padding bounds): free like addressing
          return acc + loadsIn(s.c) + s.weight * stmts(s.then) + (1 - s.weight) * (s.else ? stmts(s.else) : 0)
      }
    }, 0)
  const threads = k.grid.reduce((a, b) => a * b, 1)
  // a kernel with fewer threads than the backend runs at once leaves lanes and cores idle
  const idle = Math.max(1, (model.parallelism ?? 1) / threads)
  return (
    idle * threads * (stmts(k.body) + expr(k.result) + memoryOf(bufferSize(k.out.buf))) +
    (model.launchCost ?? WEIGHTS.launch)
  )
}
