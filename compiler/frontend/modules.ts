/**
 * Module-level names: top-level `const`s (evaluated on first use), function declarations,
 * imports (resolved across files, DSL package imports become builtins) and globals.
 */
import { Node, SyntaxKind, type SourceFile, VariableDeclarationKind } from 'ts-morph'
import { fail } from './diagnostics.js'
import { loadSourceFile, resolveImport } from './project.js'
import { Scope } from './scope.js'
import { Closure, ModuleNamespace, type Value } from './values.js'
import type { Evaluator } from './evaluate.js'
import { dslExport, globalValue } from './globals.js'

const IMPURE_MODULES =
  /^(node:)?(fs|fs\/promises|path|os|child_process|net|http|https|process|crypto|worker_threads|readline|url)$/

/** A module that does I/O or reads the environment: using anything from it is D104. */
export const isImpureModule = (specifier: string) => IMPURE_MODULES.test(specifier)

export class ModuleEnv {
  private readonly cache = new Map<string, Value>()
  private readonly resolving = new Set<string>()
  readonly scope: Scope

  constructor(
    private readonly ev: Evaluator,
    readonly file: SourceFile,
  ) {
    this.scope = new Scope(undefined, (name, at, locals) => this.resolve(name, at, locals), 0)
  }

  /** Resolve a free name used at `at` inside this module (`locals`: the names in scope there). */
  resolve(name: string, at: Node, locals: () => string[] = () => []): Value {
    if (this.cache.has(name)) return this.cache.get(name)
    if (this.resolving.has(name))
      fail(
        'D101',
        at,
        `'${name}' refers to itself while it is being defined`,
        'break the cycle between module-level constants',
      )
    this.resolving.add(name)
    try {
      const v = this.resolveUncached(name, at, locals)
      this.cache.set(name, v)
      return v
    } finally {
      this.resolving.delete(name)
    }
  }

  private resolveUncached(name: string, at: Node, locals: () => string[]): Value {
    const sf = this.file
    const fn = sf.getFunction(name)
    if (fn) return new Closure(fn, this.scope, name)
    const decl = sf.getVariableDeclaration(name)
    if (decl) {
      const kind = decl.getVariableStatement()?.getDeclarationKind()
      if (kind !== VariableDeclarationKind.Const)
        fail(
          'D105',
          at,
          `'${name}' is a module-level '${kind}' variable: a DSL function may not depend on mutable state`,
          `declare it with const`,
        )
      const init = decl.getInitializer()
      if (!init) fail('D101', decl, `'${name}' has no initializer`, 'give the constant a value')
      return this.ev.evalExpr(init, this.scope)
    }
    for (const imp of sf.getImportDeclarations()) {
      if (imp.isTypeOnly()) continue
      const spec = imp.getModuleSpecifierValue()
      const ns = imp.getNamespaceImport()
      if (ns?.getText() === name) return this.namespace(spec)
      const def = imp.getDefaultImport()
      if (def?.getText() === name) return this.importFrom(spec, 'default', at)
      for (const n of imp.getNamedImports()) {
        const local = n.getAliasNode()?.getText() ?? n.getName()
        if (local === name) return this.importFrom(spec, n.getName(), at)
      }
    }
    if (sf.getClass(name) || sf.getEnum(name))
      fail(
        'D101',
        at,
        `'${name}' is a class or enum; DSL code uses functions and plain objects`,
        'rewrite it as a function or a const object',
      )
    return globalValue(this.ev, name, at, () => [...locals(), ...this.names()])
  }

  /** The names this module declares or imports. */
  private names(): string[] {
    const sf = this.file
    return [
      ...sf.getFunctions().flatMap((f) => f.getName() ?? []),
      ...sf.getVariableDeclarations().map((d) => d.getName()),
      ...sf
        .getImportDeclarations()
        .filter((imp) => !imp.isTypeOnly())
        .flatMap((imp) => [
          ...imp.getNamedImports().map((n) => n.getAliasNode()?.getText() ?? n.getName()),
          ...[imp.getDefaultImport(), imp.getNamespaceImport()].flatMap((n) => n?.getText() ?? []),
        ]),
    ]
  }

  private namespace(spec: string): Value {
    const r = resolveImport(this.file.getFilePath(), spec)
    if (r.kind === 'file') return new ModuleNamespace(loadSourceFile(r.file), spec)
    return new ModuleNamespace(undefined, spec)
  }

  /** The value of `name` imported from `spec`. */
  importFrom(spec: string, name: string, at: Node): Value {
    const r = resolveImport(this.file.getFilePath(), spec)
    if (r.kind === 'dsl') return dslExport(this.ev, name, at)
    if (r.kind === 'external') {
      if (isImpureModule(spec))
        fail(
          'D104',
          at,
          `'${name}' comes from '${spec}', which does I/O`,
          'do I/O in host code and pass the data in as tensors',
        )
      fail(
        'D106',
        at,
        `'${name}' comes from '${spec}', which is not DSL source the compiler can read`,
        `write it as a DSL function in a .ts file, or import it from '${spec.startsWith('.') ? spec : 'drift-dsl'}'`,
      )
    }
    return this.ev.moduleEnv(r.file).exported(name, at)
  }

  /** An exported name of this module (following re-exports). */
  exported(name: string, at: Node): Value {
    const sf = this.file
    const local =
      sf.getFunction(name)?.isExported() || sf.getVariableDeclaration(name)?.getVariableStatement()?.isExported()
    if (local) return this.resolve(name, at)
    for (const ex of sf.getExportDeclarations()) {
      const spec = ex.getModuleSpecifierValue()
      const named = ex.getNamedExports()
      if (named.length === 0 && spec) {
        const r = resolveImport(sf.getFilePath(), spec)
        if (r.kind === 'dsl') return dslExport(this.ev, name, at)
        if (r.kind === 'file' && this.ev.moduleEnv(r.file).hasExport(name))
          return this.ev.moduleEnv(r.file).exported(name, at)
        continue
      }
      for (const n of named) {
        const exportedAs = n.getAliasNode()?.getText() ?? n.getName()
        if (exportedAs !== name) continue
        return spec ? this.importFrom(spec, n.getName(), at) : this.resolve(n.getName(), at)
      }
    }
    for (const s of sf.getStatements())
      if (Node.isExportAssignment(s) && name === 'default') return this.ev.evalExpr(s.getExpression(), this.scope)
    return fail(
      'D107',
      at,
      `'${name}' is not exported by ${sf.getBaseName()}`,
      `export it from ${sf.getBaseName()} or fix the import`,
    )
  }

  hasExport(name: string): boolean {
    const sf = this.file
    if (sf.getFunction(name)?.isExported() || sf.getVariableDeclaration(name)?.getVariableStatement()?.isExported())
      return true
    return sf
      .getExportDeclarations()
      .some((ex) => ex.getNamedExports().some((n) => (n.getAliasNode()?.getText() ?? n.getName()) === name))
  }
}

export const isConstKeyword = (n: Node) => n.getKind() === SyntaxKind.ConstKeyword
