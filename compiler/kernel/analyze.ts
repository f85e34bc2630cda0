/**
 * What a code generator (and the cost model) needs to know about a kernel body:
 * which values vary with the thread's x and y (a tile computes several x and y at once, and a
 * value that does not vary is computed once per tile), which index expressions are affine in
 * x and y (their loads become vector loads and immediate offsets), and which lets are pure
 * integer index arithmetic (re-evaluated exactly in i32 where an index needs them).
 */
import type { Kernel, KExpr, KStmt } from './types.js'

/** Bit 1: varies with tx; bit 2: varies with ty. */
export type Dep = number
export const DX = 1
export const DY = 2

export interface Analysis {
  /** Dependence of every let/set variable (loop variables and scalars are uniform). */
  vars: Map<string, Dep>
  /** Let variables whose value is integer index arithmetic, with that value. */
  intLets: Map<string, KExpr>
  /** Does any branch condition vary with ty / with tx? (Selects are not branches: both sides run, lane by lane.) */
  branchDep: Dep
  /** Does the body contain a loop? */
  hasLoop: boolean
  /** The loop variables. */
  loopVars: Set<string>
  /**
   * Is there a loop (of more than 4 trips) inside another loop whose values do not vary with tx?
   * (A distance recomputed inside a weighted sum: every column of a row needs the same one.)
   */
  sharedInnerLoop: boolean
}

export function analyze(k: Kernel): Analysis {
  const a: Analysis = {
    vars: new Map(),
    intLets: new Map(),
    branchDep: 0,
    hasLoop: false,
    loopVars: new Set(),
    sharedInnerLoop: false,
  }
  // set-variables can take a dependence from a later assignment in a loop: iterate to a fixpoint
  for (let changed = true; changed;) {
    const before = JSON.stringify([...a.vars])
    walk(k.body, 0, a)
    changed = JSON.stringify([...a.vars]) !== before
  }
  a.sharedInnerLoop = innerLoops(k.body, 0).some(
    (l) => l.n > 4 && setsIn(l.body).every((name) => ((a.vars.get(name) ?? 0) & DX) === 0),
  )
  return a
}

/** The loops nested inside another loop. */
function innerLoops(ss: KStmt[], depth: number): Extract<KStmt, { k: 'for' }>[] {
  return ss.flatMap((s) =>
    s.k === 'for'
      ? [...(depth > 0 ? [s] : []), ...innerLoops(s.body, depth + 1)]
      : s.k === 'if'
        ? [...innerLoops(s.then, depth), ...innerLoops(s.else ?? [], depth)]
        : [],
  )
}

/** The variables a block assigns (let or set), nested blocks included. */
function setsIn(ss: KStmt[]): string[] {
  return ss.flatMap((s) =>
    s.k === 'let' || s.k === 'set'
      ? [s.name]
      : s.k === 'for'
        ? setsIn(s.body)
        : s.k === 'if'
          ? [...setsIn(s.then), ...setsIn(s.else ?? [])]
          : [],
  )
}

function walk(ss: KStmt[], ctrl: Dep, a: Analysis): void {
  for (const s of ss) {
    switch (s.k) {
      case 'let':
        a.vars.set(s.name, (a.vars.get(s.name) ?? 0) | depOf(s.value, a) | ctrl)
        if (isIntExpr(s.value, a)) a.intLets.set(s.name, s.value)
        break
      case 'set':
        a.vars.set(s.name, (a.vars.get(s.name) ?? 0) | depOf(s.value, a) | ctrl)
        a.intLets.delete(s.name)
        break
      case 'for':
        a.hasLoop = true
        a.loopVars.add(s.v)
        walk(s.body, ctrl, a)
        break
      case 'if': {
        const c = depOf(s.c, a)
        a.branchDep |= c
        walk(s.then, ctrl | c, a)
        if (s.else) walk(s.else, ctrl | c, a)
      }
    }
  }
}

/** The operands of an expression. */
export function operands(e: KExpr): KExpr[] {
  switch (e.k) {
    case 'num':
    case 'ref':
      return []
    case 'load':
      return [e.index]
    case 'un':
    case 'idiv':
    case 'imod':
      return [e.a]
    case 'bin':
      return [e.a, e.b]
    case 'sel':
      return [e.c, e.a, e.b]
  }
}

export function depOf(e: KExpr, a: Analysis): Dep {
  if (e.k === 'ref') return e.name === 'tx' ? DX : e.name === 'ty' ? DY : (a.vars.get(e.name) ?? 0)
  return operands(e).reduce((d, x) => d | depOf(x, a), 0)
}

const INT_BIN = new Set(['add', 'sub', 'mul'])
const THREADS = new Set(['tx', 'ty', 'tz'])

/** Integer index arithmetic: thread and loop variables, integer literals, + − ×, idiv, imod. */
export function isIntExpr(e: KExpr, a: Analysis): boolean {
  switch (e.k) {
    case 'num':
      return Number.isInteger(e.v) && Math.abs(e.v) < 2 ** 31
    case 'ref':
      return THREADS.has(e.name) || a.loopVars.has(e.name) || a.intLets.has(e.name)
    case 'idiv':
    case 'imod':
      return isIntExpr(e.a, a)
    case 'bin':
      return INT_BIN.has(e.op) && isIntExpr(e.a, a) && isIntExpr(e.b, a)
    default:
      return false
  }
}

/** Coefficients of tx and ty when `e` is an integer expression affine in them, else null. */
export function affine(e: KExpr, a: Analysis): { cx: number; cy: number } | null {
  if ((depOf(e, a) & (DX | DY)) === 0) return { cx: 0, cy: 0 }
  switch (e.k) {
    case 'ref':
      if (e.name === 'tx') return { cx: 1, cy: 0 }
      if (e.name === 'ty') return { cx: 0, cy: 1 }
      return a.intLets.has(e.name) ? affine(a.intLets.get(e.name)!, a) : null
    case 'bin': {
      if (!INT_BIN.has(e.op) || !isIntExpr(e, a)) return null
      const l = affine(e.a, a)
      const r = affine(e.b, a)
      if (!l || !r) return null
      if (e.op === 'add') return { cx: l.cx + r.cx, cy: l.cy + r.cy }
      if (e.op === 'sub') return { cx: l.cx - r.cx, cy: l.cy - r.cy }
      const constant = (x: KExpr) => (x.k === 'num' ? x.v : null)
      const ka = constant(e.a)
      const kb = constant(e.b)
      if (kb !== null) return { cx: l.cx * kb, cy: l.cy * kb }
      if (ka !== null) return { cx: r.cx * ka, cy: r.cy * ka }
      return null
    }
    default:
      return null
  }
}

/** Loops of at most this many trips are unrolled by the code generators (a point's coordinates). */
export const UNROLL = 4

/**
 * The loop iterations one thread runs for one output element, all loops counted (a loop of n trips
 * is n iterations plus n times its body's; an unrolled one only its bodies'); a branch counts as
 * its longer side.
 */
export function loopTrips(ss: KStmt[]): number {
  return ss.reduce(
    (acc, s) =>
      acc +
      (s.k === 'for'
        ? s.n * ((s.n <= UNROLL ? 0 : 1) + loopTrips(s.body))
        : s.k === 'if'
          ? Math.max(loopTrips(s.then), s.else ? loopTrips(s.else) : 0)
          : 0),
    0,
  )
}
