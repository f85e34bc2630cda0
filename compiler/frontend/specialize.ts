/**
 * Specialization: a DSL function plus concrete argument shapes becomes an L1 graph.
 * Tensor arguments become graph inputs, static values fold, function arguments inline.
 */
import { Node, type ParameterDeclaration } from './tsMorph.js'
import * as E from 'fp-ts/lib/Either.js'
import type { AVal, Atom, Graph, TreeDef } from '../ir/types.js'
import { DiagnosticError, fail, locOf, shorten, type Diagnostic } from './diagnostics.js'
import { findFunction } from './entries.js'
import { budgetFactor } from './limits.js'
import { Evaluator } from './evaluate.js'
import { simplify } from '../transforms/simplify.js'
import { checked } from '../ir/verify.js'
import { AD_OPS } from './adOps.js'
import { isStackOverflow, loadSourceFile } from './project.js'
import { checkSource } from './sourceChecks.js'
import { Builtin, Closure, Record_, ScalarSym, Tracer, describe, type Value } from './values.js'

export { findEntry, listEntries } from './entries.js'

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
  /**
   * Left out by the caller (host code that passed fewer arguments, or undefined): the parameter's
   * default applies, and a number default is a traced f32 input like a passed number, whose value
   * the runtime supplies from Specialized.defaults. An absent spec keeps the default a constant.
   */
  | { tag: 'default' }

export interface Specialized {
  name: string
  graph: Graph
  outTree: TreeDef
  /** Source files read while compiling (for cache invalidation). */
  files: string[]
  /**
   * Values of the last graph inputs, after the caller's: the number defaults of parameters the
   * caller left out ('default' specs), in parameter order. The runtime passes them as f32 scalars.
   */
  defaults: number[]
}

/** The last resort when the limits did not keep the evaluator within the JavaScript stack. */
const stackOverflow = (at: Node): Diagnostic => ({
  code: 'D111',
  loc: locOf(at),
  message: 'the compiler ran out of stack evaluating this: calls and expressions nest too deeply',
  found: shorten(at.getText()),
  fix: 'split deeply nested expressions into const bindings, and recursion into a static loop',
})

/** The parameters of a function node (none for a node that has no parameter list). */
const parametersOf = (fn: Node): ParameterDeclaration[] =>
  (fn as Node & { getParameters?(): ParameterDeclaration[] }).getParameters?.() ?? []

/** Parameter names of a function node (`arg0` for destructured ones). */
export function paramNames(fn: Node): string[] {
  return parametersOf(fn).map((p, i) => {
    const n = p.getNameNode()
    return Node.isIdentifier(n) ? n.getText() : `arg${i}`
  })
}

function bindArg(ev: Evaluator, spec: ArgSpec, path: string): Value {
  switch (spec.tag) {
    case 'tensor':
      return new Tracer(ev.builder.addInput(spec.aval, path), path)
    case 'static':
      return spec.value
    case 'default':
      return undefined
    case 'fn': {
      const { fn, name } = findFunction(loadSourceFile(spec.ref.file), spec.ref)
      return new Closure(fn, ev.moduleEnv(fn.getSourceFile()).scope, name)
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

/**
 * The number default of a parameter the caller left out becomes a graph input (after the
 * caller's inputs), exactly like a passed number: folding it as a constant would round it, and
 * everything computed from it, differently in float32.
 */
function defaultInputs(ev: Evaluator, args: ArgSpec[], names: string[]) {
  const values: number[] = []
  const inputs = new Map<number, Tracer>()
  const bind = (i: number, v: Value): Value => {
    if (args[i]?.tag !== 'default' || typeof v !== 'number') return v
    let t = inputs.get(i)
    if (!t) {
      const name = names[i] ?? `arg${i}`
      inputs.set(i, (t = new Tracer(ev.builder.addInput({ shape: [], dtype: 'f32' }, name), name)))
      values.push(v)
    }
    return t
  }
  return { bind, values }
}

/** A parameter without a default (or `?`) that the caller left out is an error at the parameter, before anything is traced. */
function checkPassed(fn: Node, args: ArgSpec[], names: string[]): void {
  const ps = parametersOf(fn)
  ps.forEach((p, i) => {
    const a = args[i]
    const missing = a === undefined || a.tag === 'default' || (a.tag === 'static' && a.value === undefined)
    if (missing && !p.hasInitializer() && !p.hasQuestionToken() && !p.isRestParameter())
      fail(
        'D109',
        p,
        `parameter '${names[i]}' (argument ${i + 1} of ${ps.length}) was not passed and has no default`,
        `pass ${names[i]}, or give it a default (${names[i]} = …)`,
      )
  })
}

/** Whether an argument binds graph inputs: a tensor, or an array or object holding one. */
const bindsTensors = (s: ArgSpec): boolean =>
  s.tag === 'tensor' ||
  (s.tag === 'array' && s.items.some(bindsTensors)) ||
  (s.tag === 'object' && s.fields.some(([, f]) => bindsTensors(f)))

/** Specialize `ref` to `args`; `simplified: false` returns the frontend's graph before simplification (for tests of the rewrites). */
export function specialize(
  ref: FnRef,
  args: ArgSpec[],
  { simplified = true }: { simplified?: boolean } = {},
): E.Either<Diagnostic[], Specialized> {
  const factor = budgetFactor()
  const ev = new Evaluator(factor)
  try {
    const sf = loadSourceFile(ref.file)
    checkSource(sf)
    // a DSL function, or an exported helper compiled alone (host code can only name dsl(...) ones)
    const { fn, name } = findFunction(sf, ref)
    if (factor === undefined)
      fail(
        'D111',
        fn,
        `DRIFT_EVAL_BUDGET='${process.env.DRIFT_EVAL_BUDGET}' is not a positive number`,
        'set it to the factor that multiplies the partial-evaluation budget (such as 4), or unset it',
      )
    const names = paramNames(fn)
    if (ref.transform?.kind !== 'vjp') checkPassed(fn, args, names)
    const values = args.map((a, i) => bindArg(ev, a, names[i] ?? `arg${i}`))
    // parameters left out at the end are not passed at all (a rest parameter then binds [])
    while (values.length && args[values.length - 1].tag === 'default') values.pop()
    const defaults = defaultInputs(ev, args, names)
    const closure = new Closure(fn, ev.moduleEnv(fn.getSourceFile()).scope, name, defaults.bind)
    const t = ref.transform
    let result: Value
    if (t?.kind === 'vjp') {
      // the last argument is the output cotangent: [f(...primals), cotangents of every primal];
      // arguments that bind no tensor (static values, objects of them) stay compile-time values
      // (cotangent 0), only the others are primals
      const primals = values.slice(0, -1)
      const traced = primals.flatMap((_, i) => (bindsTensors(args[i]) ? [i] : []))
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
    if (result === undefined)
      fail(
        'D301',
        fn,
        `'${name}' returns nothing${Node.isBlock(fn.getBody()) ? ': its body reaches its end without a return' : ''}`,
        'return the result: return x.exp() (or an array or object of results)',
      )
    const leaves: Atom[] = []
    const outTree = flattenResult(result, leaves, fn)
    const built = checked('the frontend', () => ({ graph: ev.builder.build(leaves) })).graph
    const graph = simplified ? simplify(built) : built
    return E.right({ name, graph, outTree, files: ev.files(), defaults: defaults.values })
  } catch (e) {
    if (e instanceof DiagnosticError) return E.left(e.diagnostics)
    if (isStackOverflow(e) && ev.work.last) return E.left([stackOverflow(ev.work.last)])
    throw e
  }
}
