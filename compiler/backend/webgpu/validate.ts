/**
 * A kernel's structure, checked before it becomes WGSL: plans also come from disk (the artifacts
 * of `drift compile`), and nothing read there is written into a shader unchecked. Names must be
 * identifiers, numbers finite integers where the code needs integers, operations known.
 */
import type { Kernel, KExpr, KStmt } from '../../kernel/types.js'
import { BackendError } from '../planIO.js'
import { BINARY, UNARY } from './wgslMath.js'

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const CONDITIONS = new Set(['lt', 'le', 'gt', 'ge', 'eq', 'ne', 'and', 'or'])
const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 2 ** 31

export function checkKernel(k: Kernel): void {
  const fail = (what: string): never => {
    throw new BackendError(
      `kernel ${typeof k?.name === 'string' ? k.name : '?'}: ${what}; the plan is damaged or from another version of drift (compile it again)`,
    )
  }
  if (typeof k?.name !== 'string' || !NAME.test(k.name)) fail('its name is not an identifier')
  if (!Array.isArray(k.grid) || k.grid.length < 1 || k.grid.length > 3 || !k.grid.every(isCount))
    fail('its grid is not 1 to 3 counts')
  if (!Array.isArray(k.out?.shape) || !k.out.shape.every(isCount)) fail('its output shape is not a list of counts')
  const names = (xs: unknown, what: string) => {
    if (!Array.isArray(xs) || !xs.every((x) => typeof x === 'string' && NAME.test(x)))
      fail(`its ${what} are not identifiers`)
  }
  names(k.buffers, 'buffers')
  names(k.scalars, 'scalars')
  const buffers = new Set(k.buffers)
  const expr = (e: KExpr): void => {
    switch (e?.k) {
      case 'num':
        if (typeof e.v !== 'number') fail('a number is not a number')
        return
      case 'ref':
        if (typeof e.name !== 'string' || !NAME.test(e.name)) fail('a name is not an identifier')
        return
      case 'load':
        if (!buffers.has(e.buf)) fail(`it loads from ${String(e.buf)}, which it does not bind`)
        return expr(e.index)
      case 'un':
        if (e.op !== 'not' && !UNARY[e.op]) fail(`unknown operation '${String(e.op)}'`)
        return expr(e.a)
      case 'bin':
        if (!BINARY[e.op] && !CONDITIONS.has(e.op)) fail(`unknown operation '${String(e.op)}'`)
        return (expr(e.a), expr(e.b))
      case 'sel':
        return (expr(e.c), expr(e.a), expr(e.b))
      case 'idiv':
      case 'imod':
        if (!isCount(e.b) || e.b === 0) fail('an index divisor is not a positive count')
        return expr(e.a)
      default:
        fail('an expression has an unknown form')
    }
  }
  const stmts = (ss: KStmt[]): void => {
    if (!Array.isArray(ss)) fail('a block is not a list of statements')
    for (const s of ss)
      switch (s?.k) {
        case 'let':
        case 'set':
          if (typeof s.name !== 'string' || !NAME.test(s.name)) fail('a variable name is not an identifier')
          expr(s.value)
          break
        case 'for':
          if (typeof s.v !== 'string' || !NAME.test(s.v) || !isCount(s.n)) fail('a loop has no counter or no count')
          stmts(s.body)
          break
        case 'if':
          expr(s.c)
          stmts(s.then)
          if (s.else !== undefined) stmts(s.else)
          break
        default:
          fail('a statement has an unknown form')
      }
  }
  stmts(k.body)
  expr(k.result)
}
