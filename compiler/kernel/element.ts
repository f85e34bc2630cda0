/**
 * Element code: the value of one element of an L1 variable at a symbolic index, written into a
 * kernel body. Materialized variables are loads; every other variable is computed in place by its
 * primitive's element rule (`element` in its registry entry): elementwise and movement ops fuse
 * into expressions, reductions and contractions become loops, producers are recomputed inside
 * their consumers.
 */
import type { Atom, Eqn, Var } from '../ir/types.js'
import type { ScalarExpr } from '../ir/scalar.js'
import { primitive } from '../ir/primitive.js'
import type { KExpr } from './types.js'
import { BodyBuilder, add, flatIndex, num, ref } from './build.js'

export type Source =
  { kind: 'buffer'; buf: string; offset: number } | { kind: 'scalar'; name: string } | { kind: 'inline' }

/** What an element rule sees of the kernel being built. */
export interface ElementEnv {
  b: BodyBuilder
  /** Build Σ exp(x − max x) as a plain sum reading the max where the max is stored (else as one online loop). */
  readStoredMax: boolean
  producer(id: number): Eqn | undefined
  source(v: Var): Source
  /** Called for every equation whose code is written into the kernel: its index among the kernel's fused equations. */
  fused(e: Eqn): number
  /** Called when a buffer is read. */
  read(buf: string): void
}

export const un = (op: string, a: KExpr): KExpr => ({ k: 'un', op, a })
export const bin = (op: string, a: KExpr, b: KExpr): KExpr => ({ k: 'bin', op, a, b })
export const lt = (a: KExpr, b: KExpr) => bin('lt', a, b)
export const and = (a: KExpr, b: KExpr) => bin('and', a, b)
/** An index expression clamped into [0, n − 1] (out-of-range gathers read the nearest row). */
export const clampIndex = (e: KExpr, n: number): KExpr => bin('min', bin('max', un('trunc', e), num(0)), num(n - 1))

/** The builder's memo key of a variable's element at `idx`. */
export const elementKey = (b: BodyBuilder, v: Var, idx: KExpr[]) => `v${v.id}:${idx.map((e) => b.key(e)).join(',')}`

/** The element of `a` at `idx`: a literal, a scalar argument, a load, or its producer's code in place. */
export function elem(env: ElementEnv, a: Atom, idx: KExpr[]): KExpr {
  if (a.kind === 'lit') return num(a.value)
  const src = env.source(a)
  if (src.kind === 'scalar') return ref(src.name)
  if (src.kind === 'buffer') {
    const index = add(num(src.offset), flatIndex(idx, a.shape))
    return env.b.value(`load:${src.buf}:${env.b.key(index)}`, [index], () => {
      env.read(src.buf)
      return { k: 'load', buf: src.buf, index }
    })
  }
  const e = env.producer(a.id)
  if (!e) throw new Error(`internal: no producer for variable ${a.id}`)
  // the statements of its element code, and the local its value is bound to, come from `e`
  return env.b.from(
    () => env.fused(e),
    () =>
      env.b.value(elementKey(env.b, a, idx), idx, () => {
        env.fused(e)
        const p = primitive(e.prim)
        if (p.fusion === 'host') throw new Error(`internal: '${e.prim}' runs on the host and has no element code`)
        return p.element(env, e as never, idx)
      }),
  )
}

/** Operand i of `e` at `idx` (rank-0 operands and literals at the empty index). */
export function operand(env: ElementEnv, e: Eqn, i: number, idx: KExpr[]): KExpr {
  const a = e.inputs[i]
  return elem(env, a, a.kind === 'lit' || a.shape.length === 0 ? [] : idx)
}

/** Σ over a constant-bound loop of `term(k)`. */
export function sumLoop(b: BodyBuilder, n: number, term: (k: KExpr) => KExpr): KExpr {
  const acc = b.declare(num(0))
  b.loop(n, (k) => b.emit({ k: 'set', name: acc, value: bin('add', ref(acc), term(k)) }))
  return ref(acc)
}

/**
 * Σ over a constant-bound loop of the terms whose condition holds: `term(k)` gives the condition and
 * a thunk for the value, which is built inside the guarded block (its loads happen only where the
 * condition holds).
 */
export function sumWhere(b: BodyBuilder, n: number, term: (k: KExpr) => { when: KExpr; value: () => KExpr }): KExpr {
  const acc = b.declare(num(0))
  b.loop(n, (k) => {
    const { when, value } = term(k)
    b.when(when, () => b.emit({ k: 'set', name: acc, value: bin('add', ref(acc), value()) }))
  })
  return ref(acc)
}

/** Translate a scalar-lambda body; `input(i)` gives operand i, `idx` the output indices. */
export function scalarCode(e: ScalarExpr, input: (i: number) => KExpr, idx: KExpr[]): KExpr {
  const go = (e: ScalarExpr): KExpr => {
    switch (e.k) {
      case 'in':
        return input(e.i)
      case 'idx':
        return idx[e.axis]
      case 'const':
        return num(e.v)
      case 'un':
        return un(e.op, go(e.a))
      case 'bin':
        return bin(e.op, go(e.a), go(e.b))
      case 'sel':
        return { k: 'sel', c: go(e.c), a: go(e.a), b: go(e.b) }
      case 'cast':
        return e.dtype === 'bool' ? bin('ne', go(e.a), num(0)) : e.dtype === 'i32' ? un('trunc', go(e.a)) : go(e.a)
    }
  }
  return go(e)
}
