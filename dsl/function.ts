/**
 * `dsl(fn)`: marks a TypeScript function as DSL code. The compiler finds it in its source file
 * (by the position of this call), specializes it to the argument shapes on first use, caches
 * the result on disk, and runs it.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FnRef } from '../compiler/frontend/specialize.js'
import type { Graph, TreeDef } from '../compiler/ir/types.js'
import type { NDArray, Precision } from '../compiler/ir/ndarray.js'
import { Tensor } from './tensor.js'
import { prepare, runCompiled, runReference } from '../compiler/runtime/jit.js'
import { jsParamNames } from '../compiler/runtime/signature.js'

export interface DslOptions {
  /** Parameters (by name or position) whose values are compile-time constants: a new value recompiles. */
  static?: readonly (string | number)[]
}

/** A specialization of a DSL function, for inspection. */
export interface Lowered {
  name: string
  graph: Graph
  outTree: TreeDef
  /** The L1 program as text, each equation pointing at the source line that made it. */
  text: string
  hash: string
}

type AnyFn = (...args: never[]) => unknown
type Awaited_<F extends AnyFn> = ReturnType<F>

export interface DslFunction<F extends AnyFn> {
  /** Inside other DSL functions: inlined by the compiler. In host code use `run`. */
  (...args: Parameters<F>): ReturnType<F>
  /** Compile for these argument shapes (cached) and run on the current backend; returns host Tensors. */
  run(...args: Parameters<F>): Promise<Awaited_<F>>
  /** Run in the float64 reference interpreter (the oracle tests compare against). */
  reference(...args: Parameters<F>): Promise<Awaited_<F>>
  /** The L1 graph for these argument shapes. */
  lower(...args: Parameters<F>): Promise<Lowered>
  readonly ref: FnRef
}

/** The caller's position, read from the stack (source-mapped under tsx and vitest). */
function callerLocation(): { file: string; line: number; col: number } {
  const stack = new Error().stack?.split('\n') ?? []
  const frame = stack
    .slice(1)
    .find((l) => !l.includes(fileURLToPath(import.meta.url)) && !l.includes('dsl/function.ts'))
  const m = frame?.match(/\(?((?:file:\/\/)?[^()\s]+?):(\d+):(\d+)\)?\s*$/)
  if (!m) throw new Error(`dsl(): cannot tell which source file called it (stack frame: ${frame ?? 'none'})`)
  const file = m[1].startsWith('file://') ? fileURLToPath(m[1]) : path.resolve(m[1])
  return { file, line: Number(m[2]), col: Number(m[3]) }
}

export function dsl<F extends AnyFn>(fn: F, options: DslOptions = {}): DslFunction<F> {
  const ref: FnRef = callerLocation()
  const names = jsParamNames(fn)
  const staticSet = new Set(options.static ?? [])
  const isStatic = (i: number) => staticSet.has(i) || (names[i] !== undefined && staticSet.has(names[i]))
  return makeDslFunction<F>(ref, names, isStatic)
}

/**
 * The DSL function at `ref` (a file and an export name, or the position of a `dsl(` call), read
 * by the compiler without running its file: what a command line's `path/to/file.ts:name` becomes.
 * `names` are its parameters' names, as the compiler reads them.
 */
export function dslAt<F extends AnyFn>(ref: FnRef, names: string[]): DslFunction<F> {
  return makeDslFunction<F>(ref, names, () => false)
}

interface Internals {
  names: string[]
  isStatic: (i: number) => boolean
}
const internals = new WeakMap<object, Internals>()

function makeDslFunction<F extends AnyFn>(
  ref: FnRef,
  names: string[],
  isStatic: (i: number) => boolean,
): DslFunction<F> {
  const prep = (args: unknown[]) => prepare(ref, args, isStatic, names)
  const f = (() => {
    throw new Error(
      `this is a DSL function (defined at ${path.relative(process.cwd(), ref.file)}:${ref.line ?? ref.exportName}): ` +
        'host code calls it with `await f.run(...args)`; direct calls are for use inside other dsl(...) functions',
    )
  }) as unknown as DslFunction<F>
  Object.assign(f, {
    ref,
    run: async (...args: unknown[]) => {
      const p = await prep(args)
      return results(p.specialized.outTree, await runCompiled(p, args), 'f32')
    },
    reference: async (...args: unknown[]) => {
      const p = await prep(args)
      return results(p.specialized.outTree, runReference(p, args, 'f64'), 'f64')
    },
    lower: async (...args: unknown[]): Promise<Lowered> => {
      const { specialized } = await prep(args)
      const { printGraph } = await import('../compiler/ir/print.js')
      const { structuralHash } = await import('../compiler/ir/hash.js')
      const { graph, name, outTree } = specialized
      return { name, graph, outTree, text: printGraph(graph), hash: structuralHash(graph) }
    },
  })
  internals.set(f, { names, isStatic })
  return f
}

/** grad / valueAndGrad / vjp of a DSL function, callable from host code like the function itself. */
export function differentiate(f: DslFunction<AnyFn>, transform: NonNullable<FnRef['transform']>): DslFunction<AnyFn> {
  const inner = internals.get(f)
  if (!inner || f.ref.transform)
    throw new Error(
      `${transform.kind}() in host code takes a function made by dsl(...); to nest transforms, write them inside a dsl function`,
    )
  return makeDslFunction({ ...f.ref, transform }, [...inner.names, 'ct'], inner.isStatic)
}

export const isDslFunction = (v: unknown): v is DslFunction<AnyFn> => typeof v === 'function' && internals.has(v)

/** Arrange flat results into the user's nested result, as host Tensors. */
function results(tree: TreeDef, leaves: NDArray[], precision: Precision): unknown {
  let k = 0
  const go = (t: TreeDef): unknown => {
    switch (t.kind) {
      case 'leaf': {
        const a = leaves[k++]
        const data =
          a.dtype === 'f32' && precision === 'f32' && !(a.data instanceof Float32Array)
            ? Float32Array.from(a.data)
            : a.data
        return new Tensor(data, a.shape, a.dtype)
      }
      case 'array':
        return t.items.map(go)
      case 'object':
        return Object.fromEntries(t.keys.map((key, i) => [key, go(t.items[i])]))
      case 'static':
        return t.value
    }
  }
  return go(tree)
}
