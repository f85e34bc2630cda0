/**
 * Entry points: the function an FnRef names. A DSL function is an arrow function, a function
 * expression, or the name of a function (declared in the file or imported from DSL source),
 * wrapped in `dsl(...)`: findEntry, behind drift inspect and drift compile, takes only those.
 * findFunction also finds plain exported functions: function-valued arguments may name them, and
 * specialize compiles one alone by its export name (the stdlib's tests check kernels that way).
 */
import {
  Node,
  SyntaxKind,
  type ArrowFunction,
  type FunctionDeclaration,
  type FunctionExpression,
  type SourceFile,
} from 'ts-morph'
import { DiagnosticError, fail } from './diagnostics.js'
import { loadSourceFile, resolveImport } from './project.js'
import type { FnRef } from './specialize.js'

export type FunctionNode = ArrowFunction | FunctionExpression | FunctionDeclaration

export interface Entry {
  fn: FunctionNode
  /** The name it is known by (the const or function it is bound to). */
  name: string
  /** Wrapped in dsl(...): only such functions are entry points. */
  wrapped: boolean
}

const isDslCall = (n: Node): boolean =>
  Node.isCallExpression(n) && n.getExpression().getText().replace(/^.*\./, '') === 'dsl'

const entryError = (file: string, line: number, col: number, message: string, fix: string): DiagnosticError =>
  new DiagnosticError({ code: 'D301', loc: { file, line, col }, message, found: '', fix })

const FORMS =
  'an arrow function, a function expression, or the name of a function declared in this file or imported from DSL source'

/**
 * The function an initializer stands for: a function literal, dsl(f) of one, or a name bound to
 * one. Undefined when it is something else (a number, a call); D301 when dsl(...) wraps something else.
 */
function functionOf(
  node: Node | undefined,
  seen = new Set<Node>(),
): { fn: FunctionNode; wrapped: boolean } | undefined {
  if (!node || seen.has(node)) return undefined
  seen.add(node)
  if (Node.isArrowFunction(node) || Node.isFunctionExpression(node) || Node.isFunctionDeclaration(node))
    return { fn: node, wrapped: false }
  if (Node.isParenthesizedExpression(node) || Node.isAsExpression(node) || Node.isSatisfiesExpression(node))
    return functionOf(node.getExpression(), seen)
  if (Node.isIdentifier(node)) return functionOf(declarationOf(node), seen)
  if (isDslCall(node)) {
    const arg = (node as Node & { getArguments(): Node[] }).getArguments()[0]
    const inner = functionOf(arg, seen)
    if (!inner)
      fail(
        'D301',
        arg ?? node,
        'dsl(...) wraps something that is not a function the compiler can find',
        `pass ${FORMS}`,
      )
    return { fn: inner.fn, wrapped: true }
  }
  return undefined
}

/** What a module-level name is bound to: its function declaration, const initializer, or imported export. */
function declarationOf(id: Node): Node | undefined {
  const sf = id.getSourceFile()
  const name = id.getText()
  const local = sf.getFunction(name) ?? sf.getVariableDeclaration(name)?.getInitializer()
  if (local) return local
  for (const imp of sf.getImportDeclarations()) {
    if (imp.isTypeOnly()) continue
    const named = imp.getNamedImports().find((n) => (n.getAliasNode()?.getText() ?? n.getName()) === name)
    if (!named) continue
    const r = resolveImport(sf.getFilePath(), imp.getModuleSpecifierValue())
    if (r.kind !== 'file') return undefined
    const from = loadSourceFile(r.file)
    const exported = named.getName()
    const fn = from.getFunction(exported)
    if (fn?.isExported()) return fn
    const decl = from.getVariableDeclaration(exported)
    return decl?.getVariableStatement()?.isExported() ? decl.getInitializer() : undefined
  }
  return undefined
}

/** The DSL function an FnRef names: wrapped in dsl(...), else D301. */
export function findEntry(sf: SourceFile, ref: FnRef): Entry {
  const entry = findFunction(sf, ref)
  requireWrapped(entry)
  return entry
}

/** The function node an FnRef names (by export name, or by the position of its dsl( call). */
export function findFunction(sf: SourceFile, ref: FnRef): Entry {
  if (ref.exportName) {
    const name = ref.exportName
    const found = functionOf(sf.getFunction(name) ?? sf.getVariableDeclaration(name)?.getInitializer())
    if (found) return { ...found, name }
    const decl = sf.getVariableDeclaration(name)
    if (decl)
      fail(
        'D301',
        decl,
        `'${name}' is not a function`,
        `define it as a DSL function: export const ${name} = dsl((x: Mat) => …)`,
      )
    throw entryError(
      sf.getFilePath(),
      1,
      1,
      `no DSL function named '${name}' in ${sf.getBaseName()}`,
      `use one of: ${listEntries(sf).join(', ') || 'none'}`,
    )
  }
  const calls = sf.getDescendantsOfKind(SyntaxKind.CallExpression).filter(isDslCall)
  const pos = (c: Node) => sf.getLineAndColumnAtPos(c.getStart())
  const nameStart = (c: Node) => {
    const e = (c as Node & { getExpression(): Node }).getExpression()
    return sf.getLineAndColumnAtPos(Node.isPropertyAccessExpression(e) ? e.getNameNode().getStart() : e.getStart())
  }
  const exact = calls.find((c) => {
    const p = nameStart(c)
    return p.line === ref.line && p.column === ref.col
  })
  const onLine = calls.filter((c) => pos(c).line === ref.line)
  const call = exact ?? (onLine.length === 1 ? onLine[0] : undefined)
  if (!call)
    throw entryError(
      sf.getFilePath(),
      ref.line ?? 1,
      ref.col ?? 1,
      'cannot find the dsl(…) call that defined this function',
      'wrap an arrow function: export const f = dsl((x: Mat) => …)',
    )
  const found = functionOf(call)!
  const parent = call.getParentIfKind(SyntaxKind.VariableDeclaration)
  return { ...found, name: parent?.getName() ?? `dsl@${ref.line}` }
}

/** Names of the DSL functions a file defines (module-level dsl(...) constants). */
export function listEntries(sf: SourceFile): string[] {
  return sf
    .getVariableDeclarations()
    .filter((d) => {
      const init = d.getInitializer()
      return init !== undefined && isDslCall(init)
    })
    .map((d) => d.getName())
}

/** An entry point must be wrapped in dsl(...): a plain exported function is a helper. */
function requireWrapped(entry: Entry): void {
  if (entry.wrapped) return
  const { fn, name } = entry
  fail(
    'D301',
    fn,
    `'${name}' is a plain function, not a DSL function: entry points are wrapped in dsl(...)`,
    Node.isFunctionDeclaration(fn)
      ? `export a wrapped name, e.g. export const ${name}Dsl = dsl(${name}), and call that`
      : `wrap it: export const ${name} = dsl((…) => …)`,
  )
}
