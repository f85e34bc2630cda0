/**
 * Checks of a DSL source file before anything in it is evaluated: TypeScript's syntax errors
 * (D100: a file that does not parse is never half-compiled) and nesting the compiler's recursive
 * walks could not survive (D111). Type errors are not checked: the frontend reads syntax only.
 */
import { ts, type SourceFile } from 'ts-morph'
import { DiagnosticError, shorten, type Diagnostic } from './diagnostics.js'
import { MAX_NESTING, count } from './limits.js'

/** 1-based line and column of offset `pos` in `text`. */
function lineCol(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, pos)
  return { line: before.split('\n').length, col: pos - before.lastIndexOf('\n') }
}

/** The source line holding `pos`, cut around `pos` when it is long. */
function excerpt(text: string, pos: number): string {
  const start = text.lastIndexOf('\n', pos - 1) + 1
  const end = text.indexOf('\n', pos) < 0 ? text.length : text.indexOf('\n', pos)
  const line = text.slice(start, end)
  if (line.trim().length <= 80) return shorten(line)
  const from = Math.max(0, pos - start - 36)
  const to = Math.min(line.length, from + 72)
  return `${from > 0 ? '...' : ''}${line.slice(from, to).replace(/\s+/g, ' ')}${to < line.length ? '...' : ''}`
}

const tooDeep = (file: string, text: string, pos: number, what: string): DiagnosticError =>
  new DiagnosticError({
    code: 'D111',
    loc: { file, ...lineCol(text, pos) },
    message: `${what} nest more than ${count(MAX_NESTING)} levels deep here`,
    found: excerpt(text, pos),
    fix: 'split the expression into const bindings or helper functions (real code nests a few dozen levels at most)',
  })

const OPEN = new Set([ts.SyntaxKind.OpenParenToken, ts.SyntaxKind.OpenBracketToken, ts.SyntaxKind.OpenBraceToken])
const CLOSE = new Set([ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.CloseBracketToken])
/** Tokens after which a `/` divides; after any other token it starts a regular expression. */
const ENDS_OPERAND = new Set([
  ts.SyntaxKind.Identifier,
  ts.SyntaxKind.NumericLiteral,
  ts.SyntaxKind.BigIntLiteral,
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.TemplateTail,
  ts.SyntaxKind.RegularExpressionLiteral,
  ts.SyntaxKind.CloseParenToken,
  ts.SyntaxKind.CloseBracketToken,
  ts.SyntaxKind.CloseBraceToken,
  ts.SyntaxKind.ThisKeyword,
  ts.SyntaxKind.TrueKeyword,
  ts.SyntaxKind.FalseKeyword,
  ts.SyntaxKind.NullKeyword,
  ts.SyntaxKind.PlusPlusToken,
  ts.SyntaxKind.MinusMinusToken,
])

/**
 * Brackets nested deeper than MAX_NESTING, found with TypeScript's scanner before the file is
 * parsed: the parser recurses once per bracket and runs out of stack near a thousand.
 */
export function checkNesting(file: string, text: string): void {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text)
  const open: ('bracket' | 'template')[] = []
  let prev = ts.SyntaxKind.Unknown
  for (let t = scanner.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = scanner.scan()) {
    if ((t === ts.SyntaxKind.SlashToken || t === ts.SyntaxKind.SlashEqualsToken) && !ENDS_OPERAND.has(prev))
      t = scanner.reScanSlashToken()
    if (t === ts.SyntaxKind.CloseBraceToken && open.at(-1) === 'template') {
      t = scanner.reScanTemplateToken(false)
      if (t === ts.SyntaxKind.TemplateTail) open.pop()
    } else if (OPEN.has(t) || t === ts.SyntaxKind.TemplateHead) {
      open.push(t === ts.SyntaxKind.TemplateHead ? 'template' : 'bracket')
      if (open.length > MAX_NESTING) throw tooDeep(file, text, scanner.getTokenStart(), 'brackets')
    } else if (CLOSE.has(t) || t === ts.SyntaxKind.CloseBraceToken) open.pop()
    prev = t
  }
}

const checked = new WeakSet<SourceFile>()

/** Reject a file with syntax errors (all of them, D100) or nested deeper than MAX_NESTING (D111). */
export function checkSource(sf: SourceFile): void {
  if (checked.has(sf)) return
  const errors = syntaxErrors(sf)
  if (errors.length) throw new DiagnosticError(errors[0], ...errors.slice(1))
  checkDepth(sf)
  checked.add(sf)
}

function syntaxErrors(sf: SourceFile): Diagnostic[] {
  const parsed = (sf.compilerNode as { parseDiagnostics?: readonly ts.DiagnosticWithLocation[] }).parseDiagnostics
  if (!Array.isArray(parsed))
    throw new Error('internal: this TypeScript version does not expose parseDiagnostics on a SourceFile')
  const text = sf.getFullText()
  return parsed.map((d) => ({
    code: 'D100',
    loc: { file: sf.getFilePath(), ...lineCol(text, d.start) },
    message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
    found: excerpt(text, d.start),
    fix: `correct the syntax: the file must parse as TypeScript (tsc reports this as TS${d.code})`,
  }))
}

/** The first node (in source order) nested deeper than MAX_NESTING syntax-tree levels. */
function checkDepth(sf: SourceFile): void {
  const root = sf.compilerNode
  const stack: [ts.Node, number][] = [[root, 0]]
  while (stack.length) {
    const [node, depth] = stack.pop()!
    if (depth > MAX_NESTING)
      throw tooDeep(sf.getFilePath(), sf.getFullText(), node.getStart(root), 'expressions and statements')
    const children: ts.Node[] = []
    ts.forEachChild(node, (c) => {
      children.push(c)
    })
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i], depth + 1])
  }
}
