/** Lexical scopes of the partial evaluator: local bindings, then the module, then globals. */
import type { Value } from './values.js'
import type { Node } from 'ts-morph'

/** Resolves a free name used at `at`; `locals` lists the names in scope there, for suggestions. */
export type Resolver = (name: string, at: Node, locals: () => string[]) => Value

export interface Binding {
  value: Value
  /** `let` bindings may be re-assigned, only by code of the function invocation that owns them. */
  mutable: boolean
  frame: number
}

export class Scope {
  private readonly vars = new Map<string, Binding>()
  constructor(
    readonly parent: Scope | undefined,
    /** Resolves names not bound locally: module declarations, imports, globals. */
    readonly outer: Resolver | undefined,
    readonly frame: number,
  ) {}

  child(frame = this.frame): Scope {
    return new Scope(this, undefined, frame)
  }

  declare(name: string, value: Value, mutable: boolean): void {
    this.vars.set(name, { value, mutable, frame: this.frame })
  }

  find(name: string): Binding | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const b = s.vars.get(name)
      if (b) return b
    }
    return undefined
  }

  /** Every name bound in this scope chain, innermost first (for suggestions). */
  names(): string[] {
    const out: string[] = []
    for (let s: Scope | undefined = this; s; s = s.parent) out.push(...s.vars.keys())
    return out
  }

  /** The module-level resolver of this scope chain. */
  moduleResolver(): Resolver {
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.outer) return s.outer
    throw new Error('internal: scope without a module')
  }
}
