/**
 * Kernels from materialized variables: thread ids give the output index and everything not
 * materialized is computed in place (fused) by element code. Several variables of one shape can
 * share a kernel ("stacked": one slot per variable along an extra outer axis), each slot
 * recomputing what it needs from the others.
 */
import type { Eqn, Var } from '../ir/types.js'
import type { Kernel, KExpr, KStmt } from '../kernel/types.js'
import { BodyBuilder, num, ref, refs, sub, unflatten } from '../kernel/build.js'
import { elem, type Source } from '../kernel/element.js'

export const THREAD_VARS = ['tx', 'ty', 'tz']

/** Where a materialized variable lives: its buffer and the element offset of its slot. */
export interface Slot {
  buf: string
  offset: number
}

export interface Placement {
  buffers: Pick<ReadonlyMap<number, Slot>, 'has' | 'get'>
  /** Rank-0 f32 graph inputs passed to kernels as scalar arguments. */
  scalars: Map<number, string>
  /** A softmax normalizer reads its max where that is stored (backends that never share a launch between the two). */
  readStoredMax?: boolean
}

/** The thread grid (x fastest) and the logical index each thread computes. */
export function threadIndex(shape: number[], slots = 1): { grid: number[]; idx: KExpr[]; slot: KExpr } {
  const numel = shape.reduce((a, b) => a * b, 1)
  if (slots === 1 && shape.length === 0) return { grid: [1], idx: [], slot: num(0) }
  if (shape.length + (slots > 1 ? 1 : 0) <= 3 && shape.length > 0) {
    const extent = [...shape].reverse()
    const idx = shape.map((_, i) => ref(THREAD_VARS[shape.length - 1 - i]))
    if (slots === 1) return { grid: extent, idx, slot: num(0) }
    return { grid: [...extent, slots], idx, slot: ref(THREAD_VARS[shape.length]) }
  }
  // flatten: x runs over the elements, y over the slots
  return {
    grid: slots > 1 ? [numel, slots] : [numel],
    idx: unflatten(ref('tx'), shape),
    slot: slots > 1 ? ref('ty') : num(0),
  }
}

/** Element offsets of each variable in a group's buffer (the members, concatenated flat). */
export const slotOffsets = (vars: { shape: number[] }[]): number[] => {
  let at = 0
  return vars.map((v) => {
    const here = at
    at += v.shape.reduce((a, b) => a * b, 1)
    return here
  })
}

/**
 * A kernel computing `vars` into `out`, one slot per variable. Members of one shape run on a
 * thread grid with the slot as an extra outer axis; members of different shapes run on a flat
 * grid over the concatenated buffer, each thread finding its member by range. A body of more
 * than `maxStatements` statements throws KernelTooLarge.
 */
export function buildKernel(
  vars: Var[],
  place: Placement,
  producer: Map<number, Eqn>,
  name: string,
  out: string,
  maxStatements = Infinity,
): Kernel {
  const scalarNames = [...place.scalars.values()]
  const b = new BodyBuilder([...THREAD_VARS, ...scalarNames], maxStatements)
  // members whose shapes differ only by size-1 axes share one grid (of the squeezed shape)
  const squeezed = (shape: number[]) => shape.filter((d) => d !== 1)
  const sameShape = vars.every((v) => squeezed(v.shape).join() === squeezed(vars[0].shape).join())
  const gridShape = vars.length === 1 ? vars[0].shape : squeezed(vars[0].shape)
  /** The grid index expanded to a member's own rank (0 on its size-1 axes). */
  const expand = (idx: KExpr[], shape: number[]): KExpr[] => {
    if (shape.length === idx.length) return idx
    let k = 0
    return shape.map((d) => (d === 1 ? num(0) : idx[k++]))
  }
  const offsets = slotOffsets(vars)
  const total = vars.reduce((acc, v) => acc + v.shape.reduce((x, y) => x * y, 1), 0)
  const grid = sameShape ? threadIndex(gridShape, vars.length) : { grid: [total], idx: [], slot: num(0) }
  const read = new Set<string>()
  const fused: Kernel['fused'] = []
  const seen = new Map<Eqn, number>()
  const own = new Set(vars.map((v) => v.id))
  const env = {
    b,
    readStoredMax: place.readStoredMax ?? false,
    producer: (id: number) => producer.get(id),
    source: (x: Var): Source => {
      if (!own.has(x.id) && place.buffers.has(x.id)) return { kind: 'buffer', ...place.buffers.get(x.id)! }
      if (place.scalars.has(x.id)) return { kind: 'scalar', name: place.scalars.get(x.id)! }
      return { kind: 'inline' }
    },
    fused: (e: Eqn) => {
      let i = seen.get(e)
      if (i === undefined) {
        seen.set(e, (i = fused.length))
        fused.push({ prim: e.prim, ...(e.loc ? { loc: e.loc } : {}) })
      }
      return i
    },
    read: (buf: string) => read.add(buf),
  }
  const indexOf = (i: number) =>
    sameShape ? expand(grid.idx, vars[i].shape) : unflatten(sub(ref('tx'), num(offsets[i])), vars[i].shape)
  let result: KExpr
  if (vars.length === 1) result = elem(env, vars[0], grid.idx)
  else {
    const r = b.declare(num(0), 'slot')
    const branch = (i: number): void => {
      const body = () => b.emit({ k: 'set', name: r, value: elem(env, vars[i], indexOf(i)) })
      if (i === vars.length - 1) return body()
      const test: KExpr = sameShape
        ? { k: 'bin', op: 'eq', a: grid.slot, b: num(i) }
        : { k: 'bin', op: 'lt', a: ref('tx'), b: num(offsets[i + 1]) }
      const size = (j: number) => vars[j].shape.reduce((x, y) => x * y, 1)
      const left = vars.slice(i).reduce((acc, _, j) => acc + size(i + j), 0)
      b.when(test, body, () => branch(i + 1), size(i) / left)
    }
    branch(0)
    result = ref(r)
  }
  const used = namesIn(b.stmts, result)
  return {
    name,
    out: {
      buf: out,
      shape: vars.length === 1 ? vars[0].shape : sameShape ? [vars.length, ...gridShape] : [total],
      dtype: vars[0].dtype,
    },
    grid: grid.grid,
    buffers: [...read],
    scalars: scalarNames.filter((s) => used.has(s)),
    body: b.stmts,
    result,
    maxLoop: b.maxLoop,
    fused,
  }
}

/** The names a kernel's statements and result refer to (each shared expression node visited once). */
function namesIn(stmts: KStmt[], result: KExpr): Set<string> {
  const names = new Set<string>()
  const seen = new Set<KExpr>()
  const inStmts = (ss: KStmt[]): void => {
    for (const s of ss)
      if (s.k === 'let' || s.k === 'set') refs(s.value, names, seen)
      else if (s.k === 'for') inStmts(s.body)
      else {
        refs(s.c, names, seen)
        inStmts(s.then)
        if (s.else) inStmts(s.else)
      }
  }
  refs(result, names, seen)
  inStmts(stmts)
  return names
}
