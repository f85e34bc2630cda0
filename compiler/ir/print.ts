/**
 * A Jaxpr-like text form of L1. Each equation ends with the user's `# file.ts:line:col`.
 *
 *   { lambda x:f32[64,2] tau:f32[] .
 *     let a:f32[64,64] = cdist[squared=false, eps=1e-8] x x    # stdlib/fields/paper.ts:20:18
 *     in (a) }
 */
import type { Atom, Eqn, Graph, SourceLoc } from './types.js'
import { primitive } from './primitive.js'
import { showShape } from './shape.js'
import { formatNumber } from './scalar.js'

export interface PrintOptions {
  /** Print source locations (default true). */
  locations?: boolean
  /** Directory that locations are printed relative to (default: the working directory). */
  relativeTo?: string
}

/**
 * `file` relative to the folder `from`, both absolute and '/'-separated (as source locations are), as
 * Node's path.relative writes it; plain string work, so this module also runs in a browser.
 */
export function relativePath(from: string, file: string): string {
  const a = from.split('/').filter(Boolean)
  const b = file.split('/').filter(Boolean)
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/')
}

/** A source location, its file relative to `relativeTo` (default: the working directory; in a browser, none). */
export const showLoc = (loc: SourceLoc, relativeTo = globalThis.process?.cwd()): string =>
  `${(relativeTo?.startsWith('/') && loc.file.startsWith('/') && relativePath(relativeTo, loc.file)) || loc.file}:${loc.line}:${loc.col}`

export function varNamer(graph: Graph) {
  const names = new Map<number, string>()
  const used = new Set<string>()
  graph.inputs.forEach((v, i) => {
    let n = (graph.inputNames?.[i] ?? `in${i}`).replace(/[^A-Za-z0-9_.]/g, '_')
    while (used.has(n)) n += '_'
    used.add(n)
    used.add(n.split('.')[0]) // `p.w1` reserves `p`, so no intermediate prints as `p`
    names.set(v.id, n)
  })
  let counter = 0
  const fresh = (): string => {
    for (;;) {
      let n = ''
      let k = counter++
      do {
        n = String.fromCharCode(97 + (k % 26)) + n
        k = Math.floor(k / 26) - 1
      } while (k >= 0)
      if (!used.has(n)) return (used.add(n), n)
    }
  }
  return {
    name(id: number): string {
      let n = names.get(id)
      if (!n) names.set(id, (n = fresh()))
      return n
    },
  }
}

export function printParams(e: Eqn): string {
  const p = primitive(e.prim)
  if (p.printParams) return p.printParams(e.params)
  const entries = Object.entries(e.params)
  if (entries.length === 0) return ''
  return entries.map(([k, v]) => `${k}=${Array.isArray(v) ? showShape(v) : String(v)}`).join(', ')
}

export function printGraph(graph: Graph, opts: PrintOptions = {}): string {
  const { locations = true, relativeTo } = opts
  const nm = varNamer(graph)
  const atom = (a: Atom) => (a.kind === 'lit' ? `${formatNumber(a.value)}:${a.dtype}` : nm.name(a.id))
  const typed = (v: { id: number; dtype: string; shape: number[] }) =>
    `${nm.name(v.id)}:${v.dtype}${showShape(v.shape)}`
  const head = `{ lambda ${graph.inputs.map(typed).join(' ')} .`
  const lines = graph.eqns.map((e) => {
    const params = printParams(e)
    const lhs = e.outputs.map(typed).join(' ')
    const rhs = `${e.prim}${params ? `[${params}]` : ''} ${e.inputs.map(atom).join(' ')}`.trimEnd()
    return { text: `${lhs} = ${rhs}`, loc: e.loc }
  })
  const width = Math.min(100, Math.max(0, ...lines.map((l) => l.text.length)))
  const body = lines.map(({ text, loc }, i) => {
    const prefix = i === 0 ? '  let ' : '      '
    const comment =
      locations && loc ? `${' '.repeat(Math.max(1, width - text.length + 2))}# ${showLoc(loc, relativeTo)}` : ''
    return prefix + text + comment
  })
  const outs = `  in (${graph.outputs.map(atom).join(', ')}) }`
  return [head, ...body, outs].join('\n')
}
