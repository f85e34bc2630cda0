/**
 * Diagnostics: every rejection carries a code, the user's file:line:col, what was found and
 * how to fix it. Inside the frontend they travel as exceptions; `specialize` returns them as values.
 */
import path from 'node:path'
import type { Node } from 'ts-morph'
import type { SourceLoc } from '../ir/types.js'

export const CODES = {
  D100: 'syntax error',
  D101: 'unsupported syntax',
  D102: 'mutation',
  D103: 'data-dependent control flow',
  D104: 'I/O or impure call',
  D105: 'closure over mutable state',
  D106: 'unknown function',
  D107: 'unknown name',
  D108: 'compile-time value required',
  D109: 'bad arguments',
  D110: 'unsupported in a scalar lambda',
  D111: 'compile-time limit',
  D201: 'shape mismatch',
  D301: 'entry point',
} as const
export type Code = keyof typeof CODES

export interface Diagnostic {
  code: Code
  loc: SourceLoc
  message: string
  /** The source text that was rejected (shortened). */
  found: string
  fix: string
}

/**
 * One rejection (or several found together, such as a file's syntax errors). Named like the
 * runtime's DslCompileError: hosts that report refused programs by that name report these too.
 */
export class DiagnosticError extends Error {
  override name = 'DslCompileError'
  readonly diagnostics: Diagnostic[]
  constructor(
    readonly diagnostic: Diagnostic,
    ...more: Diagnostic[]
  ) {
    super([diagnostic, ...more].map((d) => formatDiagnostic(d)).join('\n'))
    this.diagnostics = [diagnostic, ...more]
  }
}

export function locOf(node: Node): SourceLoc {
  const sf = node.getSourceFile()
  const { line, column } = sf.getLineAndColumnAtPos(node.getStart())
  return { file: sf.getFilePath(), line, col: column }
}

/** Source text on one line, at most 80 characters, as diagnostics show it. */
export const shorten = (s: string) => {
  const one = s.replace(/\s+/g, ' ').trim()
  return one.length > 80 ? one.slice(0, 77) + '...' : one
}

/**
 * Reject `node` (its location). `found` is the source shown, when it is not the node's own text:
 * a shape error is located at an operation's name but shows the whole expression.
 */
export function fail(code: Code, node: Node, message: string, fix: string, found: Node = node): never {
  throw new DiagnosticError({ code, loc: locOf(node), message, found: shorten(found.getText()), fix })
}

export function formatDiagnostic(d: Diagnostic, relativeTo = process.cwd()): string {
  const file = path.relative(relativeTo, d.loc.file) || d.loc.file
  return `${file}:${d.loc.line}:${d.loc.col}: error ${d.code} (${CODES[d.code]}): ${d.message}\n  found: ${d.found}\n  fix:   ${d.fix}`
}
