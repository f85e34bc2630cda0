/** Text form of a plan (`drift inspect --dump kernels`): steps, buffers and each kernel's code. */
import type { Kernel, KExpr, KStmt, Plan } from './types.js'
import { showLoc } from '../ir/print.js'
import { showShape } from '../ir/shape.js'

export function printPlan(plan: Plan, opts: { code?: boolean } = {}): string {
  const out: string[] = []
  const kernels = plan.steps.filter((s) => s.k === 'launch').length
  out.push(
    `plan: ${kernels} kernel(s), ${plan.steps.filter((s) => s.k === 'host').length} host step(s), ${plan.buffers.filter((b) => b.role === 'intermediate').length} intermediate buffer(s)`,
  )
  for (const b of plan.buffers)
    out.push(
      `  buffer ${b.name}: ${b.dtype}${showShape(b.shape)}  ${b.role}${b.role === 'input' ? '' : ` (${b.reason})`}`,
    )
  for (const s of plan.scalars) out.push(`  scalar ${s.name}: f32 argument`)
  out.push('steps:')
  for (const s of plan.steps) {
    if (s.k === 'free') out.push(`  free ${s.buf}`)
    else if (s.k === 'host')
      out.push(
        `  host ${s.out} = ${s.prim}(${s.inputs.map((x) => ('buf' in x ? x.buf : String(x.value))).join(', ')})${s.loc ? `  # ${showLoc(s.loc)}` : ''}`,
      )
    else {
      const k = s.kernel
      const locs = [...new Set(k.fused.filter((f) => f.loc).map((f) => showLoc(f.loc!)))]
      out.push(
        `  launch ${k.name} → ${k.out.buf} ${k.out.dtype}${showShape(k.out.shape)} grid=${showShape(k.grid)} reads(${[...k.buffers, ...k.scalars].join(', ')})`,
      )
      out.push(`    fuses ${k.fused.map((f) => f.prim).join(' ')}`)
      if (locs.length) out.push(`    from ${locs.join(', ')}`)
    }
  }
  out.push(
    `outputs: ${plan.outputs.map((o) => (o.k === 'buffer' ? o.buf : o.k === 'scalar' ? o.name : String(o.value))).join(', ')}`,
  )
  if (opts.code)
    for (const s of plan.steps)
      if (s.k === 'launch')
        out.push(
          '',
          `// ${s.kernel.name}: output ${showShape(s.kernel.out.shape)}, grid ${showShape(s.kernel.grid)} (tx fastest)`,
          printKernel(s.kernel),
        )
  return out.join('\n')
}

const INFIX: Record<string, string> = {
  add: '+',
  sub: '-',
  mul: '*',
  div: '/',
  mod: '%',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
  eq: '==',
  ne: '!=',
  and: '&&',
  or: '||',
}

/** An expression of the kernel IR as text (infix arithmetic, functions by their operation names). */
export function printExpr(e: KExpr): string {
  switch (e.k) {
    case 'num':
      return Number.isFinite(e.v) ? String(e.v) : e.v > 0 ? 'inf' : e.v < 0 ? '-inf' : 'nan'
    case 'ref':
      return e.name
    case 'load':
      return `${e.buf}[${printExpr(e.index)}]`
    case 'un':
      return e.op === 'neg' ? `-${printExpr(e.a)}` : `${e.op}(${printExpr(e.a)})`
    case 'bin':
      return INFIX[e.op]
        ? `(${printExpr(e.a)} ${INFIX[e.op]} ${printExpr(e.b)})`
        : `${e.op}(${printExpr(e.a)}, ${printExpr(e.b)})`
    case 'sel':
      return `(${printExpr(e.c)} ? ${printExpr(e.a)} : ${printExpr(e.b)})`
    case 'idiv':
      return `(${printExpr(e.a)} div ${e.b})`
    case 'imod':
      return `(${printExpr(e.a)} mod ${e.b})`
  }
}

/** A line of a kernel's printed code, with the statement's source (an index into the kernel's `fused`). */
export interface KernelLine {
  text: string
  src?: number
}

function printStmts(ss: KStmt[], indent: string, out: KernelLine[]): void {
  for (const s of ss) {
    const line = (text: string) => out.push(s.src === undefined ? { text } : { text, src: s.src })
    switch (s.k) {
      case 'let':
        line(`${indent}let ${s.name} = ${printExpr(s.value)}`)
        break
      case 'set':
        line(`${indent}${s.name} = ${printExpr(s.value)}`)
        break
      case 'for':
        line(`${indent}for ${s.v} in 0..${s.n} {`)
        printStmts(s.body, indent + '  ', out)
        line(`${indent}}`)
        break
      case 'if':
        line(`${indent}if ${printExpr(s.c)} {`)
        printStmts(s.then, indent + '  ', out)
        if (s.else) {
          line(`${indent}} else {`)
          printStmts(s.else, indent + '  ', out)
        }
        line(`${indent}}`)
    }
  }
}

/**
 * A kernel's code, backend-neutral: one thread per output element, thread ids tx (fastest), ty,
 * tz over the grid; buffers indexed by flat element offsets.
 */
export function printKernel(k: Kernel): string {
  return kernelLines(k)
    .map((l) => l.text)
    .join('\n')
}

/** printKernel's lines, each statement's with the fused equation it came from (`k.fused[src]`, its prim and source location). */
export function kernelLines(k: Kernel): KernelLine[] {
  const params = [...k.buffers, ...k.scalars].join(', ')
  const out: KernelLine[] = [{ text: `kernel ${k.name}(${params}) -> ${k.out.buf} {` }]
  printStmts(k.body, '  ', out)
  out.push({ text: `  return ${printExpr(k.result)}` }, { text: '}' })
  return out
}
