/**
 * Operations WebAssembly has no instruction for, called out to JavaScript's Math one lane at a
 * time (exp, log, tanh and the arithmetic are emitted inline; see mathfns.ts and lanes.ts).
 */
import type { Kernel, KExpr, KStmt } from '../../kernel/types.js'
import type { ImportFn } from './encode.js'
import { operands } from '../../kernel/analyze.js'

const INLINE_UNARY = new Set(['neg', 'abs', 'sqrt', 'floor', 'ceil', 'trunc', 'exp', 'log', 'tanh', 'not', 'sign'])
const INLINE_BINARY = new Set([
  'add',
  'sub',
  'mul',
  'div',
  'max',
  'min',
  'lt',
  'le',
  'gt',
  'ge',
  'eq',
  'ne',
  'and',
  'or',
])

/** The JavaScript implementations, by import field name (no prototype: `constructor` is none). */
export const HOST_MATH: Readonly<Record<string, (...a: number[]) => number>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, (...a: number[]) => number>, {
    ...Object.fromEntries(
      Object.getOwnPropertyNames(Math)
        .filter((k) => typeof (Math as unknown as Record<string, unknown>)[k] === 'function')
        .map((k) => [k, (Math as unknown as Record<string, (...a: number[]) => number>)[k]]),
    ),
    exp2: (x: number) => 2 ** x,
    mod: (a: number, b: number) => a % b,
  }),
)

/** The imports a kernel needs, each with its function index. */
export function kernelImports(k: Kernel): { list: ImportFn[]; index: Map<string, number> } {
  const need = new Map<string, number>()
  const visit = (e: KExpr): void => {
    if (e.k === 'un' && !INLINE_UNARY.has(e.op)) need.set(e.op, 1)
    if (e.k === 'bin' && !INLINE_BINARY.has(e.op)) need.set(e.op, 2)
    operands(e).forEach(visit)
  }
  const walk = (ss: KStmt[]): void => {
    for (const s of ss) {
      if (s.k === 'let' || s.k === 'set') visit(s.value)
      else if (s.k === 'for') walk(s.body)
      else (visit(s.c), walk(s.then), s.else && walk(s.else))
    }
  }
  walk(k.body)
  visit(k.result)
  const list: ImportFn[] = []
  const index = new Map<string, number>()
  for (const [op, arity] of need) {
    if (!HOST_MATH[op]) throw new Error(`internal: no host implementation of '${op}' for the wasm backend`)
    index.set(op, list.length)
    list.push({ module: 'math', field: op, params: arity === 1 ? ['f64'] : ['f64', 'f64'], results: ['f64'] })
  }
  return { list, index }
}
