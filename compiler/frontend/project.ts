/**
 * Source loading and module resolution for the frontend. ts-morph parses files on demand
 * (no type checking: the frontend needs syntax and bindings only, which keeps the first
 * compile fast). Imports of the DSL package resolve to compiler builtins, never to source.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Project, type SourceFile } from 'ts-morph'

/** The package root (the folder holding dsl/, compiler/, stdlib/). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const DSL_DIR = path.join(PACKAGE_ROOT, 'dsl')
export const PACKAGE_NAME = 'drift-dsl'

let project: Project | undefined
const getProject = () =>
  (project ??= new Project({
    useInMemoryFileSystem: false,
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    compilerOptions: { allowJs: true },
  }))

/** Parse (or re-parse, when the file changed on disk) one source file. */
export function loadSourceFile(file: string): SourceFile {
  const p = getProject()
  const abs = path.resolve(file)
  const text = fs.readFileSync(abs, 'utf8')
  const existing = p.getSourceFile(abs)
  if (existing) {
    if (existing.getFullText() === text) return existing
    p.removeSourceFile(existing)
  }
  return p.createSourceFile(abs, text, { overwrite: true })
}

export type Resolved = { kind: 'dsl' } | { kind: 'file'; file: string } | { kind: 'external'; specifier: string }

const inside = (dir: string, file: string) => {
  const rel = path.relative(dir, file)
  return !rel.startsWith('..') && !path.isAbsolute(rel)
}

/** Resolve an import specifier as written in `fromFile`. */
export function resolveImport(fromFile: string, specifier: string): Resolved {
  if (specifier === PACKAGE_NAME) return { kind: 'dsl' }
  let target: string | undefined
  if (specifier.startsWith(PACKAGE_NAME + '/'))
    target = path.join(PACKAGE_ROOT, specifier.slice(PACKAGE_NAME.length + 1))
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
  const found = candidates.find((c) => /\.(m?[tj]sx?)$/.test(c) && fs.existsSync(c) && fs.statSync(c).isFile())
  if (!found) return { kind: 'external', specifier }
  return inside(DSL_DIR, found) ? { kind: 'dsl' } : { kind: 'file', file: found }
}
