/**
 * The gpu.js emitter: a kernel becomes the source string of a gpu.js kernel function (never the
 * toString() of user code). Shapes and loop bounds are literals; per-step scalars are arguments.
 */
import type { Kernel, KExpr, KStmt } from '../../kernel/types.js'
import { THREAD_VARS } from '../../fusion/buildKernel.js'

const COMPARE: Record<string, string> = { lt: '<', le: '<=', gt: '>', ge: '>=', eq: '==', ne: '!=' }
const ARITH: Record<string, string> = { add: '+', sub: '-', mul: '*', div: '/', mod: '%' }
const MATH2: Record<string, string> = { pow: 'Math.pow', max: 'Math.max', min: 'Math.min', atan2: 'Math.atan2' }

/** Numbers always print as floats (gpu.js types variables from their first value). */
export function float(v: number): string {
  if (Number.isNaN(v)) return '(0.0 / 0.0)'
  if (v === Infinity) return '3.4028234663852886e38'
  if (v === -Infinity) return '-3.4028234663852886e38'
  const s = String(v)
  return /[.e]/.test(s) ? s : `${s}.0`
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
      return e.name
    case 'load':
      return `${e.buf}[${expr(e.index)}]`
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
          return `Math.${e.op}(${expr(e.a)})`
      }
    case 'bin':
      if (ARITH[e.op]) return `(${expr(e.a)} ${ARITH[e.op]} ${expr(e.b)})`
      if (MATH2[e.op]) return `${MATH2[e.op]}(${expr(e.a)}, ${expr(e.b)})`
      return `(${cond(e)} ? 1.0 : 0.0)`
  }
}

function stmts(ss: KStmt[], indent: string): string[] {
  return ss.flatMap((s) => {
    switch (s.k) {
      case 'let':
        return [`${indent}let ${s.name} = ${expr(s.value)};`]
      case 'set':
        return [`${indent}${s.name} = ${expr(s.value)};`]
      case 'for':
        return [
          `${indent}for (let ${s.v} = 0; ${s.v} < ${s.n}; ${s.v}++) {`,
          ...stmts(s.body, indent + '  '),
          `${indent}}`,
        ]
      case 'if':
        return [
          `${indent}if ${cond(s.c)} {`,
          ...stmts(s.then, indent + '  '),
          ...(s.else ? [`${indent}} else {`, ...stmts(s.else, indent + '  ')] : []),
          `${indent}}`,
        ]
    }
  })
}

/** The kernel function source for gpu.js. */
export function emitKernel(k: Kernel): string {
  const axes = ['x', 'y', 'z'].slice(0, k.grid.length)
  const params = [...k.buffers, ...k.scalars]
  const lines = [
    `function(${params.join(', ')}) {`,
    ...axes.map((a, i) => `  const ${THREAD_VARS[i]} = this.thread.${a};`),
    ...stmts(k.body, '  '),
    `  return ${expr(k.result)};`,
    '}',
  ]
  return lines.join('\n')
}
