/**
 * The cost model: estimated work of a kernel, counted on its code. A load or store of a buffer
 * larger than a cache (2^16 elements) streams through memory and weighs like 32 arithmetic
 * operations (a GPU does ~70 flops per float it reads from memory, a CPU core ~17); smaller
 * buffers stay cached and weigh 2. Each launch weighs 20 000. Recomputing a producer inside its
 * consumers wins when its arithmetic is cheaper than storing it and reading it back.
 */
import type { Kernel, KExpr, KStmt } from '../kernel/types.js'

export const WEIGHTS = { op: 1, transcendental: 4, cached: 2, streamed: 32, launch: 20_000 }
export const CACHE_ELEMENTS = 1 << 16
const memory = (elements: number) => (elements > CACHE_ELEMENTS ? WEIGHTS.streamed : WEIGHTS.cached)
const TRANSCENDENTAL = new Set(['exp', 'log', 'sqrt', 'pow', 'sin', 'cos', 'tan', 'tanh', 'atan2', 'log1p', 'expm1', 'exp2', 'log2', 'log10'])

export function kernelCost(k: Kernel, bufferSize: (buf: string) => number): number {
  const expr = (e: KExpr): number => {
    switch (e.k) {
      case 'num':
      case 'ref':
        return 0
      case 'load':
        return memory(bufferSize(e.buf)) + loadsIn(e.index) // address arithmetic is free; loads inside it (gathers) are not
      case 'un':
        return (TRANSCENDENTAL.has(e.op) ? WEIGHTS.transcendental : WEIGHTS.op) + expr(e.a)
      case 'bin':
        return (TRANSCENDENTAL.has(e.op) ? WEIGHTS.transcendental : WEIGHTS.op) + expr(e.a) + expr(e.b)
      case 'sel':
        return WEIGHTS.op + expr(e.c) + expr(e.a) + expr(e.b)
      case 'idiv':
      case 'imod':
        return WEIGHTS.op + expr(e.a)
    }
  }
  const loadsIn = (e: KExpr): number =>
    e.k === 'load' ? expr(e) : e.k === 'bin' ? loadsIn(e.a) + loadsIn(e.b) : e.k === 'un' || e.k === 'idiv' || e.k === 'imod' ? loadsIn(e.a) : e.k === 'sel' ? loadsIn(e.c) + loadsIn(e.a) + loadsIn(e.b) : 0
  const stmts = (ss: KStmt[]): number =>
    ss.reduce((acc, s) => {
      switch (s.k) {
        case 'let':
        case 'set':
          return acc + expr(s.value)
        case 'for':
          return acc + s.n * stmts(s.body)
        case 'if':
          return acc + expr(s.c) + s.weight * stmts(s.then) + (1 - s.weight) * (s.else ? stmts(s.else) : 0)
      }
    }, 0)
  const threads = k.threads.reduce((a, b) => a * b, 1)
  return threads * (stmts(k.body) + expr(k.result) + memory(bufferSize(k.out.buf))) + WEIGHTS.launch
}
