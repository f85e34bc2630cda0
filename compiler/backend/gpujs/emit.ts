/**
 * The gpu.js emitter: a kernel becomes the source string of a gpu.js kernel function (never the
 * toString() of user code). Shapes and loop bounds are literals; per-step scalars are arguments.
 * gpu.js turns that source into code (its CPU mode through new Function), so nothing reaches it
 * unchecked: names are identifiers, operations come from the operation tables, numbers are numbers.
 */
import type { Kernel, KExpr, KStmt } from '../../kernel/types.js'
import { THREAD_VARS } from '../../fusion/buildKernel.js'
import { isUnary } from '../../ir/ops.js'
import { BackendError } from '../planIO.js'

const table = (entries: Record<string, string>): Readonly<Record<string, string>> =>
  Object.freeze(Object.assign(Object.create(null) as Record<string, string>, entries))
const COMPARE = table({ lt: '<', le: '<=', gt: '>', ge: '>=', eq: '==', ne: '!=' })
const ARITH = table({ add: '+', sub: '-', mul: '*', div: '/', mod: '%' })
const MATH2 = table({ pow: 'Math.pow', max: 'Math.max', min: 'Math.min' })

const refuse = (what: string): never => {
  throw new BackendError(`internal: a kernel for gpu.js holds ${what}`)
}

/** A name written into the source: an identifier, nothing else. */
function ident(name: unknown): string {
  return typeof name === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
    ? name
    : refuse(`the name ${JSON.stringify(name)}`)
}

/** Numbers always print as floats (gpu.js types variables from their first value). */
export function float(v: number): string {
  if (typeof v !== 'number') return refuse(`the number ${JSON.stringify(v)}`)
  if (Number.isNaN(v)) return '(0.0 / 0.0)'
  if (v === Infinity) return '3.4028234663852886e38'
  if (v === -Infinity) return '-3.4028234663852886e38'
  const s = String(v)
  return /[.e]/.test(s) ? s : `${s}.0`
}

/**
 * atan2 as Math.atan2 gives it: with both arguments zero it is ±0, or ±π when x is −0 (GPUs
 * leave atan2(0, 0) undefined; Dawn's gives 3π/4). The signs of zeros are read through 1/x.
 */
function atan2(y: string, x: string): string {
  const pi = float(Math.PI)
  return `((${x} == 0.0 && ${y} == 0.0) ? ((1.0 / ${x}) < 0.0 ? ((1.0 / ${y}) < 0.0 ? -${pi} : ${pi}) : ${y}) : Math.atan2(${y}, ${x}))`
}

/** An expression used as a condition: comparisons stay booleans. */
function cond(e: KExpr): string {
  if (e.k === 'bin' && COMPARE[e.op]) return `(${expr(e.a)} ${COMPARE[e.op]} ${expr(e.b)})`
  if (e.k === 'bin' && (e.op === 'and' || e.op === 'or'))
    return `(${cond(e.a)} ${e.op === 'and' ? '&&' : '||'} ${cond(e.b)})`
  if (e.k === 'un' && e.op === 'not') return `!${cond(e.a)}`
  return `(${expr(e)} != 0.0)`
}

export function expr(e: KExpr): string {
  switch (e.k) {
    case 'num':
      return float(e.v)
    case 'ref':
      return ident(e.name)
    case 'load':
      return `${ident(e.buf)}[${expr(e.index)}]`
    case 'idiv':
      return `Math.floor(${expr(e.a)} / ${float(e.b)})`
    case 'imod':
      return `(${expr(e.a)} % ${float(e.b)})`
    case 'sel':
      return `(${cond(e.c)} ? ${expr(e.a)} : ${expr(e.b)})`
    case 'un':
      switch (e.op) {
        case 'neg':
          return `(-${expr(e.a)})`
        case 'not':
          return `(${cond(e.a)} ? 0.0 : 1.0)`
        case 'exp2':
          return `Math.pow(2.0, ${expr(e.a)})`
        default:
          return isUnary(e.op) ? `Math.${e.op}(${expr(e.a)})` : refuse(`the operation ${JSON.stringify(e.op)}`)
      }
    case 'bin':
      if (ARITH[e.op]) return `(${expr(e.a)} ${ARITH[e.op]} ${expr(e.b)})`
      if (MATH2[e.op]) return `${MATH2[e.op]}(${expr(e.a)}, ${expr(e.b)})`
      if (e.op === 'atan2') return atan2(expr(e.a), expr(e.b))
      if (COMPARE[e.op] || e.op === 'and' || e.op === 'or') return `(${cond(e)} ? 1.0 : 0.0)`
      return refuse(`the operation ${JSON.stringify(e.op)}`)
    default:
      return refuse(`an expression of kind ${JSON.stringify((e as { k: unknown }).k)}`)
  }
}

function stmts(ss: KStmt[], indent: string): string[] {
  return ss.flatMap((s) => {
    switch (s.k) {
      case 'let':
        return [`${indent}let ${ident(s.name)} = ${expr(s.value)};`]
      case 'set':
        return [`${indent}${ident(s.name)} = ${expr(s.value)};`]
      case 'for': {
        const n = Number.isSafeInteger(s.n) && s.n >= 0 ? s.n : refuse(`the loop bound ${JSON.stringify(s.n)}`)
        return [
          `${indent}for (let ${ident(s.v)} = 0; ${s.v} < ${n}; ${s.v}++) {`,
          ...stmts(s.body, indent + '  '),
          `${indent}}`,
        ]
      }
      case 'if':
        return [
          `${indent}if ${cond(s.c)} {`,
          ...stmts(s.then, indent + '  '),
          ...(s.else ? [`${indent}} else {`, ...stmts(s.else, indent + '  ')] : []),
          `${indent}}`,
        ]
      default:
        return refuse(`a statement of kind ${JSON.stringify((s as { k: unknown }).k)}`)
    }
  })
}

/** The kernel function source for gpu.js. */
export function emitKernel(k: Kernel): string {
  const axes = ['x', 'y', 'z'].slice(0, k.grid.length)
  const params = [...k.buffers, ...k.scalars].map(ident)
  const lines = [
    `function(${params.join(', ')}) {`,
    ...axes.map((a, i) => `  const ${THREAD_VARS[i]} = this.thread.${a};`),
    ...stmts(k.body, '  '),
    `  return ${expr(k.result)};`,
    '}',
  ]
  return lines.join('\n')
}
