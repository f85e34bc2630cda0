/**
 * Shared-memory staging of a contraction: in a kernel whose top-level loop over k reads, at every
 * k, one value per row of the output (a[ty, k]) and one per column (b[k, tx]), a workgroup loads a
 * tile of those values into workgroup memory once, cooperatively, and every thread reads its
 * operands from there: a matmul, a distance matrix over many coordinates, a convolution's
 * contraction loop. Only loads whose index is integer arithmetic of one thread id, the loop counter
 * and tz (the same for the whole workgroup) are staged; everything else in the loop is left as it is.
 */
import type { Kernel, KExpr, KStmt } from '../../kernel/types.js'
import { printExpr } from '../../kernel/print.js'
import { isIntExpr, type Analysis } from '../../kernel/analyze.js'

/** A staged load: which thread id it follows, its buffer, and its index with every integer let substituted. */
export interface StagedLoad {
  axis: 'row' | 'col'
  buf: string
  index: KExpr
  /** Is the index contiguous along the thread id (coefficient 1)? Then the cooperative load walks it fastest. */
  threadFastest: boolean
}

/** A loop whose operands are staged, with its staged loads by key (`loadKey`). */
export interface StagedLoop {
  loop: Extract<KStmt, { k: 'for' }>
  loads: Map<string, StagedLoad>
}

/**
 * The staged loops of a kernel, and the branches around them whose condition is the same for a
 * whole workgroup (tx < C with C a multiple of the workgroup's span of columns, as a concatenation
 * of two distance matrices has): those are tested on the workgroup's origin, so the barriers
 * inside run in uniform control flow.
 */
export interface StagePlan {
  loops: StagedLoop[]
  uniformIfs: Map<KStmt, UniformIf>
}

/** A branch on tx < bound or tx ≥ bound (or ty). */
export interface UniformIf {
  axis: 'x' | 'y'
  op: '<' | '>='
  bound: number
}

/** The key of a load inside the staged loop (its buffer and index as written). */
export const loadKey = (buf: string, index: KExpr) => `${buf}[${printExpr(index)}]`

/** Loops shorter than this read too little per tile to pay for the barriers. */
const MIN_TRIPS = 8

/** An index expression with the integer lets it uses replaced by their values, or undefined if it is not integer arithmetic. */
export function inlineInts(e: KExpr, a: Analysis): KExpr | undefined {
  if (!isIntExpr(e, a)) return undefined
  const go = (x: KExpr): KExpr => {
    switch (x.k) {
      case 'ref':
        return a.intLets.has(x.name) ? go(a.intLets.get(x.name)!) : x
      case 'bin':
        return { ...x, a: go(x.a), b: go(x.b) }
      case 'idiv':
      case 'imod':
        return { ...x, a: go(x.a) }
      default:
        return x
    }
  }
  return go(e)
}

const refsOf = (e: KExpr, out = new Set<string>()): Set<string> => {
  if (e.k === 'ref') out.add(e.name)
  else if (e.k === 'bin') (refsOf(e.a, out), refsOf(e.b, out))
  else if (e.k === 'idiv' || e.k === 'imod' || e.k === 'un') refsOf(e.a, out)
  return out
}

/** The coefficient of `name` in an affine integer expression (undefined when it is not affine in it). */
function coefficient(e: KExpr, name: string): number | undefined {
  switch (e.k) {
    case 'num':
      return 0
    case 'ref':
      return e.name === name ? 1 : 0
    case 'bin': {
      const [x, y] = [coefficient(e.a, name), coefficient(e.b, name)]
      if (x === undefined || y === undefined) return undefined
      if (e.op === 'add') return x + y
      if (e.op === 'sub') return x - y
      if (e.op === 'mul') {
        if (e.b.k === 'num') return x * e.b.v
        if (e.a.k === 'num') return y * e.a.v
        return x === 0 && y === 0 ? 0 : undefined
      }
      return undefined
    }
    default:
      return refsOf(e).has(name) ? undefined : 0
  }
}

/** Every load in a block, with the loop variables bound inside the block at that point. */
function loadsIn(ss: KStmt[], inner: Set<string>, out: { e: Extract<KExpr, { k: 'load' }>; inner: Set<string> }[]) {
  const visit = (e: KExpr): void => {
    if (e.k === 'load') out.push({ e, inner })
    if (e.k === 'load') visit(e.index)
    else if (e.k === 'un' || e.k === 'idiv' || e.k === 'imod') visit(e.a)
    else if (e.k === 'bin') (visit(e.a), visit(e.b))
    else if (e.k === 'sel') (visit(e.c), visit(e.a), visit(e.b))
  }
  for (const s of ss) {
    if (s.k === 'let' || s.k === 'set') visit(s.value)
    else if (s.k === 'for') loadsIn(s.body, new Set([...inner, s.v]), out)
    else (visit(s.c), loadsIn(s.then, inner, out), loadsIn(s.else ?? [], inner, out))
  }
}

/** The loads of a loop body that can be staged, by key. */
function stageable(loop: Extract<KStmt, { k: 'for' }>, a: Analysis): Map<string, StagedLoad> {
  const found: { e: Extract<KExpr, { k: 'load' }>; inner: Set<string> }[] = []
  loadsIn(loop.body, new Set(), found)
  const out = new Map<string, StagedLoad>()
  for (const { e, inner } of found) {
    const index = inlineInts(e.index, a)
    if (!index) continue
    const refs = refsOf(index)
    if (!refs.has(loop.v) || [...refs].some((r) => inner.has(r))) continue
    if (![...refs].every((r) => r === loop.v || r === 'tx' || r === 'ty' || r === 'tz')) continue
    if (refs.has('tx') === refs.has('ty')) continue
    const axis = refs.has('ty') ? 'row' : 'col'
    const threadFastest = coefficient(index, axis === 'row' ? 'ty' : 'tx') === 1
    out.set(loadKey(e.buf, e.index), { axis, buf: e.buf, index, threadFastest })
  }
  return out
}

/** A condition tx < C, tx ≥ C (or on ty) that holds for all or none of a workgroup's threads. */
function blockUniform(c: KExpr, span: { x: number; y: number }): UniformIf | undefined {
  if (c.k !== 'bin' || c.a.k !== 'ref' || c.b.k !== 'num' || !Number.isInteger(c.b.v)) return undefined
  const axis = c.a.name === 'tx' ? 'x' : c.a.name === 'ty' ? 'y' : undefined
  if (!axis) return undefined
  // tx ≤ C is tx < C + 1, tx > C is tx ≥ C + 1
  const [op, bound] =
    c.op === 'lt'
      ? ['<', c.b.v]
      : c.op === 'ge'
        ? ['>=', c.b.v]
        : c.op === 'le'
          ? ['<', c.b.v + 1]
          : c.op === 'gt'
            ? ['>=', c.b.v + 1]
            : []
  if (op === undefined || bound === undefined || bound % span[axis] !== 0) return undefined
  return { axis, op: op as '<' | '>=', bound }
}

/**
 * The loops to stage and their loads: top-level loops of at least MIN_TRIPS trips (or loops in
 * workgroup-uniform branches of the top level) that read both per-row and per-column operands,
 * keeping at most `maxLoads` staged loads in all (each takes a tile of workgroup memory), at
 * least one of each kind per loop.
 */
export function findStaging(
  k: Kernel,
  a: Analysis,
  maxLoads: number,
  span: { x: number; y: number },
): StagePlan | undefined {
  const plan: StagePlan = { loops: [], uniformIfs: new Map() }
  let budget = maxLoads
  const visit = (ss: KStmt[]): void => {
    for (const s of ss) {
      if (s.k === 'if') {
        const u = blockUniform(s.c, span)
        if (!u) continue
        plan.uniformIfs.set(s, u)
        visit(s.then)
        visit(s.else ?? [])
      }
      if (s.k !== 'for' || s.n < MIN_TRIPS) continue
      const all = [...stageable(s, a)]
      const rows = all.filter(([, l]) => l.axis === 'row')
      const cols = all.filter(([, l]) => l.axis === 'col')
      if (rows.length === 0 || cols.length === 0 || budget < 2) continue
      const kept = [rows[0], cols[0], ...rows.slice(1), ...cols.slice(1)].slice(0, budget)
      budget -= kept.length
      plan.loops.push({ loop: s, loads: new Map(kept) })
    }
  }
  visit(k.body)
  return plan.loops.length ? plan : undefined
}
