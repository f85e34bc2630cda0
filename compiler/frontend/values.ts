/** The values the frontend computes with while it partially evaluates DSL source. */
import type { Node, SourceFile } from 'ts-morph'
import type { Atom, DType } from '../ir/types.js'
import { avalOf } from '../ir/types.js'
import type { ScalarExpr } from '../ir/scalar.js'
import type { Scope } from './scope.js'

/** A tensor value that exists only in the graph being built. */
export class Tracer {
  constructor(
    readonly atom: Atom,
    /** Set for compiled-function parameters, to name them in diagnostics. */
    readonly origin?: string,
  ) {}
  get shape(): number[] {
    return avalOf(this.atom).shape
  }
  get dtype(): DType {
    return this.atom.dtype
  }
}

/** A value inside a scalar lambda body. */
export class ScalarSym {
  constructor(readonly expr: ScalarExpr) {}
}

export type FunctionNode = Node // ArrowFunction | FunctionExpression | FunctionDeclaration

/** A TypeScript function from the user's source, closed over its defining scope. */
export class Closure {
  constructor(
    readonly node: FunctionNode,
    readonly scope: Scope,
    readonly name: string,
    /**
     * An entry point's: what parameter `index` binds when the caller left it out and its default
     * evaluated to `value` (a number default becomes a traced input, like a passed number).
     */
    readonly omitted?: (index: number, value: Value) => Value,
  ) {}
}

export type BuiltinFn = (args: Value[], call: Node) => Value

/** A DSL operation (`matmul`, `softmax`, `Math.exp`, …) implemented by the compiler. */
export class Builtin {
  constructor(
    readonly name: string,
    readonly fn: BuiltinFn,
  ) {}
}

/** A plain object (pytree node) with static keys. */
export class Record_ {
  constructor(readonly fields: Map<string, Value>) {}
}

/** `import * as m from …`: property access resolves the module's exports. */
export class ModuleNamespace {
  constructor(
    readonly file: SourceFile | undefined,
    readonly specifier: string,
  ) {}
}

export type Value =
  | Tracer
  | ScalarSym
  | Closure
  | Builtin
  | Record_
  | ModuleNamespace
  | Value[]
  | number
  | boolean
  | string
  | null
  | undefined

export const isStaticNumber = (v: Value): v is number => typeof v === 'number'

export function describe(v: Value): string {
  if (v instanceof Tracer) return `a tensor ${v.dtype}[${v.shape.join(',')}]`
  if (v instanceof ScalarSym) return 'a scalar lambda value'
  if (v instanceof Closure) return `the function ${v.name || '(anonymous)'}`
  if (v instanceof Builtin) return `the DSL operation ${v.name}`
  if (v instanceof Record_) return 'an object'
  if (v instanceof ModuleNamespace) return `the module '${v.specifier}'`
  if (Array.isArray(v)) return `an array of ${v.length}`
  return v === null ? 'null' : typeof v === 'string' ? `the string '${v}'` : String(v)
}
