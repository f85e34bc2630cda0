/**
 * Building kernel bodies: blocks of statements with memoized, hoisted values. A value requested
 * inside a loop is computed in the outermost block where everything it depends on exists, so a
 * row statistic read in every iteration of a column loop is computed once per thread.
 */
import type { KExpr, KStmt } from './types.js'

export const num = (v: number): KExpr => ({ k: 'num', v })
export const ref = (name: string): KExpr => ({ k: 'ref', name })

export function add(a: KExpr, b: KExpr): KExpr {
  if (a.k === 'num' && b.k === 'num') return num(a.v + b.v)
  if (a.k === 'num' && a.v === 0) return b
  if (b.k === 'num' && b.v === 0) return a
  return regrouped(a, b) ?? regrouped(b, a) ?? { k: 'bin', op: 'add', a, b }
}

/** e·c as (e, c); any other expression as (e, 1). */
const scaled = (e: KExpr): [KExpr, number] =>
  e.k === 'bin' && e.op === 'mul' && e.b.k === 'num' ? [e.a, e.b.v] : [e, 1]

/**
 * A flat index of an unflattened index, folded back: (f / n)·n·c + (f % n)·c = f·c and
 * ((f / n) % m)·n·c + (f % n)·c = (f % (n·m))·c, also when the second term heads a sum (as
 * flatIndex builds them). A reshape between stored layouts then reads its buffer at the
 * consumer's own flat index (affine in the thread ids: vector loads), not through divisions.
 */
function regrouped(outer: KExpr, inner: KExpr): KExpr | undefined {
  const [low, rest] = inner.k === 'bin' && inner.op === 'add' ? [inner.a, inner.b] : [inner, undefined]
  const [q, cq] = scaled(outer)
  const [r, c] = scaled(low)
  if (r.k !== 'imod' || cq !== r.b * c) return undefined
  const n = r.b
  const same = (x: KExpr) => sameExpr(x, r.a)
  let folded: KExpr | undefined
  if (q.k === 'idiv' && q.b === n && same(q.a)) folded = r.a
  else if (q.k === 'imod' && q.a.k === 'idiv' && q.a.b === n && same(q.a.a)) folded = imod(r.a, n * q.b)
  if (!folded) return undefined
  return rest ? add(mulN(folded, c), rest) : mulN(folded, c)
}

export function mulN(a: KExpr, n: number): KExpr {
  if (n === 0) return num(0)
  if (n === 1) return a
  if (a.k === 'num') return num(a.v * n)
  return { k: 'bin', op: 'mul', a, b: num(n) }
}
export const sub = (a: KExpr, b: KExpr): KExpr => (b.k === 'num' ? add(a, num(-b.v)) : { k: 'bin', op: 'sub', a, b })
export const idiv = (a: KExpr, b: number): KExpr =>
  b === 1 ? a : a.k === 'num' ? num(Math.floor(a.v / b)) : { k: 'idiv', a, b }
export const imod = (a: KExpr, b: number): KExpr =>
  b === 1 ? num(0) : a.k === 'num' ? num(a.v % b) : { k: 'imod', a, b }

/** Row-major flat index of a multi-index. */
export function flatIndex(idx: KExpr[], shape: number[]): KExpr {
  let out: KExpr = num(0)
  let stride = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1) out = add(mulN(idx[i], stride), out)
    stride *= shape[i]
  }
  return out
}

/** Multi-index of a flat index. */
export function unflatten(flat: KExpr, shape: number[]): KExpr[] {
  const out: KExpr[] = []
  let stride = shape.reduce((a, b) => a * b, 1)
  for (let i = 0; i < shape.length; i++) {
    stride /= shape[i]
    out.push(shape[i] === 1 ? num(0) : imod(idiv(flat, stride), shape[i]))
  }
  // the first axis longer than 1 needs no remainder (the flat index is below the whole size)
  const first = shape.findIndex((d) => d !== 1)
  if (first >= 0)
    out[first] = idiv(
      flat,
      shape.slice(first + 1).reduce((a, b) => a * b, 1),
    )
  return out
}

export const print = (e: KExpr): string => {
  switch (e.k) {
    case 'num':
      return String(e.v)
    case 'ref':
      return e.name
    case 'load':
      return `${e.buf}[${print(e.index)}]`
    case 'un':
      return `${e.op}(${print(e.a)})`
    case 'bin':
      return `${e.op}(${print(e.a)},${print(e.b)})`
    case 'sel':
      return `sel(${print(e.c)},${print(e.a)},${print(e.b)})`
    case 'idiv':
      return `idiv(${print(e.a)},${e.b})`
    case 'imod':
      return `imod(${print(e.a)},${e.b})`
  }
}

/** Structural equality of two expressions (shared subtrees are compared by identity first). */
export function sameExpr(x: KExpr, y: KExpr): boolean {
  if (x === y) return true
  switch (x.k) {
    case 'num':
      return y.k === 'num' && String(x.v) === String(y.v)
    case 'ref':
      return y.k === 'ref' && x.name === y.name
    case 'load':
      return y.k === 'load' && x.buf === y.buf && sameExpr(x.index, y.index)
    case 'un':
      return y.k === 'un' && x.op === y.op && sameExpr(x.a, y.a)
    case 'bin':
      return y.k === 'bin' && x.op === y.op && sameExpr(x.a, y.a) && sameExpr(x.b, y.b)
    case 'sel':
      return y.k === 'sel' && sameExpr(x.c, y.c) && sameExpr(x.a, y.a) && sameExpr(x.b, y.b)
    case 'idiv':
    case 'imod':
      return y.k === x.k && x.b === y.b && sameExpr(x.a, y.a)
  }
}

/**
 * Adds the names an expression reads to `out`. Expressions share subtrees (one node reached along
 * many paths), so every node is visited once (`seen` may be shared across calls).
 */
export function refs(e: KExpr, out: Set<string>, seen = new Set<KExpr>()): Set<string> {
  if (seen.has(e)) return out
  seen.add(e)
  switch (e.k) {
    case 'ref':
      out.add(e.name)
      break
    case 'load':
      refs(e.index, out, seen)
      break
    case 'un':
    case 'idiv':
    case 'imod':
      refs(e.a, out, seen)
      break
    case 'bin':
      refs(e.a, out, seen)
      refs(e.b, out, seen)
      break
    case 'sel':
      refs(e.c, out, seen)
      refs(e.a, out, seen)
      refs(e.b, out, seen)
      break
  }
  return out
}

/** Thrown when a body passes its builder's statement budget (the fusion search then does not consider that kernel). */
export class KernelTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`a kernel body passed ${limit} statements`)
  }
}

interface Block {
  stmts: KStmt[]
  memo: Map<string, KExpr>
  /** Values requested inside a conditional branch stay inside it (no hoisting out of a branch). */
  barrier?: boolean
}

export class BodyBuilder {
  private readonly blocks: Block[] = [{ stmts: [], memo: new Map() }]
  /** The block where each local name is defined. */
  private readonly level = new Map<string, number>()
  private counter = 0
  /** Where the statements emitted now come from (see `from`). */
  private source: (() => number) | undefined
  private emitted = 0
  /** Structural keys of expressions: a number per distinct structure (see `key`). */
  private readonly interned = new Map<string, number>()
  private readonly keys = new WeakMap<KExpr, string>()
  maxLoop = 1

  /** `maxStatements`: emitting more throws KernelTooLarge. */
  constructor(
    globals: string[],
    private readonly maxStatements = Infinity,
  ) {
    for (const g of globals) this.level.set(g, 0)
  }

  get stmts(): KStmt[] {
    return this.blocks[0].stmts
  }

  fresh(prefix: string): string {
    return `${prefix}${this.counter++}`
  }

  /**
   * A short key of an expression's structure, equal for structurally equal expressions within this
   * body: the memo keys of values at an index. Printing the index instead takes time and space
   * growing with its tree, which sharing makes exponential in its depth.
   */
  key(e: KExpr): string {
    let k = this.keys.get(e)
    if (k !== undefined) return k
    switch (e.k) {
      case 'num':
        k = String(e.v)
        break
      case 'ref':
        k = e.name
        break
      default: {
        const parts =
          e.k === 'load'
            ? [e.k, e.buf, this.key(e.index)]
            : e.k === 'un'
              ? [e.k, e.op, this.key(e.a)]
              : e.k === 'bin'
                ? [e.k, e.op, this.key(e.a), this.key(e.b)]
                : e.k === 'sel'
                  ? [e.k, this.key(e.c), this.key(e.a), this.key(e.b)]
                  : [e.k, String(e.b), this.key(e.a)]
        const signature = parts.join(' ')
        let id = this.interned.get(signature)
        if (id === undefined) this.interned.set(signature, (id = this.interned.size))
        k = `#${id}`
      }
    }
    this.keys.set(e, k)
    return k
  }

  /** The innermost block in which an expression over these names can be computed. */
  private home(deps: KExpr[]): number {
    let lvl = 0
    for (let b = this.blocks.length - 1; b > 0; b--)
      if (this.blocks[b].barrier) {
        lvl = b
        break
      }
    for (const d of deps)
      for (const r of refs(d, new Set())) lvl = Math.max(lvl, this.level.get(r) ?? this.blocks.length - 1)
    return lvl
  }

  /**
   * The value of `key`, computed by `make` in the outermost block where `deps` are available,
   * once per block (memoized). `make` may itself emit statements (loops) through this builder.
   */
  value(key: string, deps: KExpr[], make: () => KExpr): KExpr {
    const lvl = this.home(deps)
    for (let b = lvl; b >= 0; b--) {
      const hit = this.blocks[b].memo.get(key)
      if (hit) return hit
    }
    // compute inside block `lvl`: temporarily make it the innermost
    const hidden = this.blocks.splice(lvl + 1)
    try {
      const e = make()
      const simple = e.k === 'num' || e.k === 'ref'
      const out = simple ? e : this.bind(e)
      this.blocks[lvl].memo.set(key, out)
      return out
    } finally {
      this.blocks.push(...hidden)
    }
  }

  /** Bind an expression to a new local in the innermost block. */
  bind(e: KExpr, prefix = 't'): KExpr {
    const name = this.fresh(prefix)
    this.emit({ k: 'let', name, value: e })
    this.level.set(name, this.blocks.length - 1)
    return ref(name)
  }

  /** Make `value(key, …)` in the innermost block (and blocks inside it) return `e` (a value computed as a by-product). */
  remember(key: string, e: KExpr): void {
    this.blocks[this.blocks.length - 1].memo.set(key, e)
  }

  /** A mutable accumulator in the innermost block. */
  declare(init: KExpr, prefix = 'acc'): string {
    const name = this.fresh(prefix)
    this.emit({ k: 'let', name, value: init })
    this.level.set(name, this.blocks.length - 1)
    return name
  }

  emit(s: KStmt): void {
    if (++this.emitted > this.maxStatements) throw new KernelTooLarge(this.maxStatements)
    const src = this.source?.()
    this.blocks[this.blocks.length - 1].stmts.push(src === undefined ? s : { ...s, src })
  }

  /**
   * Run `f` with the statements it emits marked as coming from source `src` (asked only when a
   * statement is emitted: a memoized value emits nothing and names no source).
   */
  from<T>(src: () => number, f: () => T): T {
    const outer = this.source
    this.source = src
    try {
      return f()
    } finally {
      this.source = outer
    }
  }

  /** A constant-bound loop; `body` receives the loop variable. */
  loop(n: number, body: (i: KExpr) => void, prefix = 'k'): void {
    if (n === 1) return body(num(0))
    const v = this.fresh(prefix)
    this.maxLoop = Math.max(this.maxLoop, n)
    this.blocks.push({ stmts: [], memo: new Map() })
    this.level.set(v, this.blocks.length - 1)
    try {
      body(ref(v))
    } finally {
      const inner = this.blocks.pop()!
      this.emit({ k: 'for', v, n, body: inner.stmts })
    }
  }

  /** Statements that run only when `c` holds (their values do not escape except through `set`). */
  when(c: KExpr, then: () => void, otherwise?: () => void, weight = 0.5): void {
    const run = (f: () => void): KStmt[] => {
      this.blocks.push({ stmts: [], memo: new Map(), barrier: true })
      try {
        f()
      } finally {
        return this.blocks.pop()!.stmts
      }
    }
    const t = run(then)
    const e = otherwise ? run(otherwise) : undefined
    this.emit({ k: 'if', c, then: t, ...(e ? { else: e } : {}), weight })
  }
}
