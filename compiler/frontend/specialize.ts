/**
 * Specialization: a DSL function plus concrete argument shapes becomes an L1 graph.
 * Tensor arguments become graph inputs, static values fold, function arguments inline.
 */
import { Node, SyntaxKind, type SourceFile } from 'ts-morph'
import * as E from 'fp-ts/lib/Either.js'
import type { AVal, Atom, Graph, TreeDef } from '../ir/types.js'
import { DiagnosticError, locOf, shorten, type Diagnostic } from './diagnostics.js'
import { Evaluator } from './evaluate.js'
import { simplify } from '../transforms/simplify.js'
import { AD_OPS } from './adOps.js'
import { isStackOverflow, loadSourceFile } from './project.js'
import { checkSource } from './sourceChecks.js'
import { Builtin, Closure, Record_, ScalarSym, Tracer, describe, type Value } from './values.js'

/** Where a DSL function is: by exported name, or by the position of its `dsl(` call. */
export interface FnRef {
  file: string
  exportName?: string
  line?: number
  col?: number
  /** Differentiate the function: `valueAndGrad` returns [value, gradients], `grad` the gradients. */
  transform?: { kind: 'grad' | 'valueAndGrad'; argnums: number | number[] } | { kind: 'vjp' }
}

export type ArgSpec =
  | { tag: 'tensor'; aval: AVal }
  | { tag: 'static'; value: number | string | boolean | null | undefined }
  | { tag: 'fn'; ref: FnRef }
  | { tag: 'array'; items: ArgSpec[] }
  | { tag: 'object'; fields: [string, ArgSpec][] }

export interface Specialized {
  name: string
  graph: Graph
  outTree: TreeDef
  /** Source files read while compiling (for cache invalidation). */
  files: string[]
}

/** The last resort when the limits did not keep the evaluator within the JavaScript stack. */
const stackOverflow = (at: Node): Diagnostic => ({
  code: 'D111',
  loc: locOf(at),
  message: 'the compiler ran out of stack evaluating this: calls and expressions nest too deeply',
  found: shorten(at.getText()),
  fix: 'split deeply nested expressions into const bindings, and recursion into a static loop',
})

const entryError = (file: string, line: number, col: number, message: string, fix: string): DiagnosticError =>
  new DiagnosticError({ code: 'D301', loc: { file, line, col }, message, found: '', fix })

/** The function node of a DSL entry point and the name it is known by. */
export function findEntry(sf: SourceFile, ref: FnRef): { fn: Node; name: string } {
  const unwrap = (init: Node | undefined): Node | undefined => {
    if (!init) return undefined
    if (Node.isArrowFunction(init) || Node.isFunctionExpression(init)) return init
    if (Node.isCallExpression(init) && init.getExpression().getText().replace(/^.*\./, '') === 'dsl')
      return unwrap(init.getArguments()[0])
    return undefined
  }
  if (ref.exportName) {
    const fnDecl = sf.getFunction(ref.exportName)
    if (fnDecl) return { fn: fnDecl, name: ref.exportName }
    const fn = unwrap(sf.getVariableDeclaration(ref.exportName)?.getInitializer())
    if (fn) return { fn, name: ref.exportName }
    const names = listEntries(sf).join(', ') || 'none'
    throw entryError(
      sf.getFilePath(),
      1,
      1,
      `no DSL function named '${ref.exportName}' in ${sf.getBaseName()}`,
      `use one of: ${names}`,
    )
  }
  const calls = sf
    .getDescendantsOfKind(SyntaxKind.CallExpression)
    .filter((c) => c.getExpression().getText().replace(/^.*\./, '') === 'dsl')
  const pos = (c: Node) => sf.getLineAndColumnAtPos(c.getStart())
  const nameEnd = (c: Node) => {
    const e = (c as Node & { getExpression(): Node }).getExpression()
    return sf.getLineAndColumnAtPos(Node.isPropertyAccessExpression(e) ? e.getNameNode().getStart() : e.getStart())
  }
  const exact = calls.find((c) => {
    const p = nameEnd(c)
    return p.line === ref.line && p.column === ref.col
  })
  const call =
    exact ??
    (calls.filter((c) => pos(c).line === ref.line).length === 1
      ? calls.find((c) => pos(c).line === ref.line)
      : undefined)
  const fn = unwrap(call)
  if (!call || !fn)
    throw entryError(
      sf.getFilePath(),
      ref.line ?? 1,
      ref.col ?? 1,
      'cannot find the dsl(…) call that defined this function',
      'wrap an arrow function: export const f = dsl((x: Mat) => …)',
    )
  const parent = call.getParentIfKind(SyntaxKind.VariableDeclaration)
  return { fn, name: parent?.getName() ?? `dsl@${ref.line}` }
}

/** Names of the DSL functions a file defines (module-level dsl(...) constants and functions). */
export function listEntries(sf: SourceFile): string[] {
  const out: string[] = []
  for (const d of sf.getVariableDeclarations()) {
    const init = d.getInitializer()
    if (init && Node.isCallExpression(init) && init.getExpression().getText().replace(/^.*\./, '') === 'dsl')
      out.push(d.getName())
  }
  return out
}

/** Parameter names of a function node (`arg0` for destructured ones). */
export function paramNames(fn: Node): string[] {
  const ps = (fn as Node & { getParameters(): Node[] }).getParameters?.() ?? []
  return ps.map((p, i) => {
    const n = (p as Node & { getNameNode(): Node }).getNameNode()
    return Node.isIdentifier(n) ? n.getText() : `arg${i}`
  })
}

function bindArg(ev: Evaluator, spec: ArgSpec, path: string): Value {
  switch (spec.tag) {
    case 'tensor':
      return new Tracer(ev.builder.addInput(spec.aval, path), path)
    case 'static':
      return spec.value
    case 'fn': {
      const sf = loadSourceFile(spec.ref.file)
      const { fn, name } = findEntry(sf, spec.ref)
      return new Closure(fn, ev.moduleEnv(sf).scope, name)
    }
    case 'array':
      return spec.items.map((s, i) => bindArg(ev, s, `${path}.${i}`))
    case 'object':
      return new Record_(new Map(spec.fields.map(([k, s]) => [k, bindArg(ev, s, `${path}.${k}`)])))
  }
}

function flattenResult(v: Value, leaves: Atom[], at: Node): TreeDef {
  if (v instanceof Tracer) {
    leaves.push(v.atom)
    return { kind: 'leaf' }
  }
  if (Array.isArray(v)) return { kind: 'array', items: v.map((x) => flattenResult(x, leaves, at)) }
  if (v instanceof Record_)
    return {
      kind: 'object',
      keys: [...v.fields.keys()],
      items: [...v.fields.values()].map((x) => flattenResult(x, leaves, at)),
    }
  if (v instanceof ScalarSym || v instanceof Closure || (typeof v === 'object' && v !== null))
    throw new DiagnosticError({
      code: 'D109',
      loc: locOf(at),
      message: `a DSL function cannot return ${describe(v)}`,
      found: '',
      fix: 'return tensors, numbers, or arrays/objects of them',
    })
  return { kind: 'static', value: v }
}

export function specialize(ref: FnRef, args: ArgSpec[]): E.Either<Diagnostic[], Specialized> {
  const ev = new Evaluator()
  try {
    const sf = loadSourceFile(ref.file)
    checkSource(sf)
    const { fn, name } = findEntry(sf, ref)
    const names = paramNames(fn)
    const values = args.map((a, i) => bindArg(ev, a, names[i] ?? `arg${i}`))
    const closure = new Closure(fn, ev.moduleEnv(sf).scope, name)
    const t = ref.transform
    let result: Value
    if (t?.kind === 'vjp') {
      // the last argument is the output cotangent: [f(...primals), cotangents of every primal];
      // static arguments stay compile-time values (cotangent 0), only the others are primals
      const primals = values.slice(0, -1)
      const traced = primals.flatMap((_, i) => (args[i].tag === 'static' ? [] : [i]))
      const bound = new Builtin(name, (xs, at) =>
        ev.callValue(
          closure,
          primals.map((v, i) => (traced.includes(i) ? xs[traced.indexOf(i)] : v)),
          at,
        ),
      )
      const [out, pullback] = AD_OPS.vjp(ev, [bound, ...traced.map((i) => primals[i])], fn) as [Value, Builtin]
      const cts = ev.callValue(pullback, [values[values.length - 1]], fn) as Value[]
      result = [out, primals.map((_, i) => (traced.includes(i) ? cts[traced.indexOf(i)] : 0))]
    } else {
      const target = t ? (AD_OPS[t.kind](ev, [closure, t.argnums], fn) as Builtin) : closure
      result = ev.callValue(target, values, fn)
    }
    const leaves: Atom[] = []
    const outTree = flattenResult(result, leaves, fn)
    return E.right({ name, graph: simplify(ev.builder.build(leaves)), outTree, files: ev.files() })
  } catch (e) {
    if (e instanceof DiagnosticError) return E.left(e.diagnostics)
    if (isStackOverflow(e) && ev.work.last) return E.left([stackOverflow(ev.work.last)])
    throw e
  }
}
