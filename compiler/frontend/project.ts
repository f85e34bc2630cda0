/**
 * Source loading and module resolution for the frontend. ts-morph parses files on demand
 * (no type checking: the frontend needs syntax and bindings only, which keeps the first
 * compile fast). Imports of the DSL package resolve to compiler builtins, never to source.
 * The text comes from a source host: the file system, or files in memory (sourceHost.ts);
 * ts-morph itself never touches a file system, so the frontend runs in a browser too.
 */
import path from 'node:path'
import { Project, type SourceFile } from './tsMorph.js'
import { DiagnosticError } from './diagnostics.js'
import { checkNesting } from './sourceChecks.js'
import { fileSources } from './fileSources.js'
import type { SourceHost } from './sourceHost.js'

export const PACKAGE_NAME = 'drift-dsl'

let host: SourceHost = fileSources
let project: Project | undefined

/** Read sources from `h` from now on (files parsed from the previous host are forgotten). */
export function setSourceHost(h: SourceHost): void {
  host = h
  project = undefined
}

const getProject = () =>
  (project ??= new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    compilerOptions: { allowJs: true },
  }))

/**
 * Parse (or re-parse, when the file changed on disk) one source file. Brackets nested deeper than
 * the parser can follow are a D111 diagnostic before parsing; syntax errors are reported by checkSource.
 */
export function loadSourceFile(file: string): SourceFile {
  const p = getProject()
  const abs = path.resolve(file)
  const text = host.read(abs)
  if (text === undefined) throw new Error(`cannot read ${abs}: no such file`)
  const existing = p.getSourceFile(abs)
  if (existing) {
    if (existing.getFullText() === text) return existing
    p.removeSourceFile(existing)
  }
  checkNesting(abs, text)
  try {
    return p.createSourceFile(abs, text, { overwrite: true })
  } catch (e) {
    if (!isStackOverflow(e)) throw e
    throw new DiagnosticError({
      code: 'D111',
      loc: { file: abs, line: 1, col: 1 },
      message: "TypeScript's parser ran out of stack reading this file: an expression nests too deeply",
      found: '',
      fix: 'split long chains of unary operators, ** or unbracketed arrow functions into const bindings',
    })
  }
}

/** A JavaScript stack overflow (not another RangeError such as an invalid array length). */
export const isStackOverflow = (e: unknown): boolean => e instanceof RangeError && /call stack size/i.test(e.message)

export type Resolved = { kind: 'dsl' } | { kind: 'file'; file: string } | { kind: 'external'; specifier: string }

const inside = (dir: string, file: string) => {
  const rel = path.relative(dir, file)
  return !rel.startsWith('..') && !path.isAbsolute(rel)
}

/** Resolve an import specifier as written in `fromFile`. */
export function resolveImport(fromFile: string, specifier: string): Resolved {
  if (specifier === PACKAGE_NAME) return { kind: 'dsl' }
  let target: string | undefined
  if (specifier.startsWith(PACKAGE_NAME + '/')) target = path.join(host.root, specifier.slice(PACKAGE_NAME.length + 1))
  else if (specifier.startsWith('.') || specifier.startsWith('/'))
    target = path.resolve(path.dirname(fromFile), specifier)
  if (!target) return { kind: 'external', specifier }
  const candidates = [
    target,
    target.replace(/\.(m?js)$/, '.ts'),
    target.replace(/\.(m?js)$/, '.tsx'),
    target + '.ts',
    path.join(target, 'index.ts'),
  ]
  const found = candidates.find((c) => /\.(m?[tj]sx?)$/.test(c) && host.isFile(c))
  if (!found) return { kind: 'external', specifier }
  return inside(path.join(host.root, 'dsl'), found) ? { kind: 'dsl' } : { kind: 'file', file: found }
}
