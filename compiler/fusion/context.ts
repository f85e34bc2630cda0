/**
 * What every phase of fusion reads: the graph, its producers and variables, the backend's limits
 * and hints, the names buffers get, and where the graph's inputs live (buffers, packed where the
 * backend binds few, and scalar arguments).
 */
import type { Eqn, Graph, Var } from '../ir/types.js'
import { varNamer } from '../ir/print.js'
import { fusionClass } from '../ir/primitive.js'
import { sizeOf } from '../ir/shape.js'
import type { BufferInfo, Kernel, Plan } from '../kernel/types.js'
import { buildKernel, slotOffsets, type Placement, type Slot } from './buildKernel.js'
import { producersOf } from '../transforms/rewrite.js'
import { loopTrips } from '../kernel/analyze.js'
import { KernelTooLarge } from '../kernel/build.js'
import type { BackendLimits, FusionHints } from './limits.js'
import type { Rewritten } from './rewrites.js'

export interface FusionContext {
  graph: Graph
  limits: BackendLimits
  hints: FusionHints
  /** Variables offered in another memory layout by a backend rewrite. */
  layouts: Set<number>
  /** Variables a backend rewrite requires stored, with why. */
  required: Map<number, string>
  producer: Map<number, Eqn>
  varOf: Map<number, Var>
  /** Variables the graph returns (not its inputs): always stored. */
  outputVars: Set<number>
  /** Every variable each variable depends on (computed on first use: stacking needs it, and it is quadratic). */
  readonly ancestors: Map<number, Set<number>>
  maxBuffers: number
  /** Elements of each buffer, by name (the cost model weighs loads by it). */
  sizes: Map<string, number>
  /** Where the inputs live: buffers and scalar arguments. */
  base: Placement & { buffers: Map<number, Slot> }
  inputBuffers: BufferInfo[]
  scalars: Plan['scalars']
  nameOf(v: Var): string
  /** Is this variable computed by a host step (a random draw, or what the backend computes on the host)? */
  isHost(id: number): boolean
  /** Is this equation a host step here? */
  isHostEqn(e: Eqn): boolean
}

/** Does a buffer of this shape fit one binding of the backend? */
export const fitsBuffer = (ctx: FusionContext, shape: number[]) =>
  sizeOf(shape) <= (ctx.limits.maxBufferElements ?? Infinity)

/** Does a kernel stay within what the backend binds and runs (buffers read, elements written, loop iterations per thread)? */
export const withinLimits = (ctx: FusionContext, k: Kernel) =>
  k.buffers.length <= ctx.maxBuffers &&
  fitsBuffer(ctx, k.out.shape) &&
  loopTrips(k.body) <= (ctx.limits.maxThreadIterations ?? Infinity)

/** Element code with a loop: the candidates for materialization. */
export const isLoopEqn = (e: Eqn) => fusionClass(e.prim) === 'loop'

/** Every variable each variable depends on, in program order (sets of ids). */
function ancestorsOf(graph: Graph): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>()
  for (const e of graph.eqns) {
    const s = new Set<number>()
    for (const a of e.inputs)
      if (a.kind === 'var') {
        s.add(a.id)
        for (const x of out.get(a.id) ?? []) s.add(x)
      }
    for (const o of e.outputs) out.set(o.id, s)
  }
  return out
}

/** Hints written in DSL code (`hint(x, 'materialize' | 'inline')`), added to the caller's. */
function hintsIn(graph: Graph, given: FusionHints): FusionHints {
  const materialize = new Set(given.materialize ?? [])
  const inline = new Set(given.inline ?? [])
  for (const e of graph.eqns) {
    if (e.prim !== 'hint') continue
    const src = e.inputs[0]
    if (e.params.mode === 'materialize') materialize.add(e.outputs[0].id)
    else {
      inline.add(e.outputs[0].id)
      if (src.kind === 'var') inline.add(src.id)
    }
  }
  return { materialize, inline }
}

export function fusionContext(
  { graph, layouts, stored, inline }: Rewritten,
  given: FusionHints,
  limits: BackendLimits,
): FusionContext {
  const names = varNamer(graph)
  const nameOf = (v: Var) => names.name(v.id).replace(/[^A-Za-z0-9_]/g, '_')
  const producer = producersOf(graph)
  const varOf = new Map<number, Var>()
  for (const e of graph.eqns) for (const o of e.outputs) varOf.set(o.id, o)
  const isInput = (id: number) => graph.inputs.some((v) => v.id === id)
  const hostPrims = new Set(limits.hostPrimitives ?? [])
  let ancestors: Map<number, Set<number>> | undefined
  const isHostEqn = (e: Eqn) => fusionClass(e.prim) === 'host' || hostPrims.has(e.prim)
  const ctx: FusionContext = {
    graph,
    limits,
    hints: hintsIn(graph, { ...given, inline: new Set([...(given.inline ?? []), ...inline]) }),
    layouts,
    required: stored,
    producer,
    varOf,
    outputVars: new Set(graph.outputs.flatMap((a) => (a.kind === 'var' && !isInput(a.id) ? [a.id] : []))),
    get ancestors() {
      return (ancestors ??= ancestorsOf(graph))
    },
    maxBuffers: limits.maxBuffers ?? Infinity,
    sizes: new Map(),
    base: { buffers: new Map(), scalars: new Map(), readStoredMax: limits.stacking === false },
    inputBuffers: [],
    scalars: [],
    nameOf,
    isHost: (id) => isHostEqn(producer.get(id)!),
    isHostEqn,
  }
  placeInputs(ctx)
  for (const v of varOf.values()) ctx.sizes.set(nameOf(v), sizeOf(v.shape))
  return ctx
}

/**
 * Graph inputs: rank-0 f32 values become scalar arguments, the others buffers. Under a binding
 * limit the float array arguments travel in one packed buffer (integers stay apart: random keys
 * need all 32 bits).
 */
function placeInputs(ctx: FusionContext): void {
  const { graph, base, sizes, nameOf, maxBuffers } = ctx
  const isScalar = (v: Var) => v.shape.length === 0 && v.dtype === 'f32'
  const arrays = graph.inputs.map((v, i) => ({ v, i })).filter(({ v }) => v.dtype === 'f32' && v.shape.length > 0)
  const pack = arrays.length > 1 && graph.inputs.filter((v) => !isScalar(v)).length >= maxBuffers
  const packed = new Set(pack ? arrays.map(({ v }) => v.id) : [])
  graph.inputs.forEach((v, i) => {
    if (isScalar(v)) {
      const name = `s_${nameOf(v)}`
      base.scalars.set(v.id, name)
      ctx.scalars.push({ name, inputIndex: i })
    } else if (!packed.has(v.id)) {
      base.buffers.set(v.id, { buf: nameOf(v), offset: 0 })
      sizes.set(nameOf(v), sizeOf(v.shape))
      ctx.inputBuffers.push({
        name: nameOf(v),
        shape: v.shape,
        dtype: v.dtype,
        role: 'input',
        inputIndex: i,
        reason: 'argument',
      })
    }
  })
  if (!pack) return
  let offset = 0
  const packs = arrays.map(({ v, i }) => {
    base.buffers.set(v.id, { buf: 'args', offset })
    const entry = { inputIndex: i, offset, shape: v.shape, dtype: v.dtype }
    offset += sizeOf(v.shape)
    return entry
  })
  sizes.set('args', Math.max(...arrays.map(({ v }) => sizeOf(v.shape))))
  ctx.inputBuffers.push({
    name: 'args',
    shape: [offset],
    dtype: 'f32',
    role: 'input',
    packs,
    reason: `the ${arrays.length} array arguments, packed: the backend binds at most ${maxBuffers} arrays per kernel`,
  })
}

/** The input placement with each of `stored` in a buffer of its own (a view of the set: nothing is copied). */
export function placementFor(ctx: FusionContext, stored: ReadonlySet<number>): Placement {
  const { base, varOf, nameOf } = ctx
  const slot = (id: number) => (stored.has(id) ? { buf: nameOf(varOf.get(id)!), offset: 0 } : undefined)
  return {
    ...base,
    buffers: {
      has: (id) => base.buffers.has(id) || stored.has(id),
      get: (id) => base.buffers.get(id) ?? slot(id),
    },
  }
}

/** The buffer name of a group of variables sharing a kernel. */
export const groupName = (ctx: FusionContext, g: number[]): string =>
  g.map((id) => ctx.nameOf(ctx.varOf.get(id)!)).join('_')

/** The placement with each group stored in one buffer, one slot per member. */
export function placeGroups(ctx: FusionContext, gs: number[][]): Placement {
  const p = { ...ctx.base, buffers: new Map(ctx.base.buffers) }
  for (const g of gs) {
    const offsets = slotOffsets(g.map((id) => ctx.varOf.get(id)!))
    g.forEach((id, slot) => p.buffers.set(id, { buf: groupName(ctx, g), offset: offsets[slot] }))
  }
  return p
}

/**
 * A kernel may look past these variables even when they are stored: the softmax normalizer follows
 * a max through broadcasts, reshapes and stop_gradient to see whether the max itself is stored.
 */
export const seesThrough = (ctx: FusionContext, id: number): boolean =>
  ['broadcast', 'reshape', 'stop_gradient'].includes(ctx.producer.get(id)?.prim ?? '')

/** The variables an equation's variable reads: its producer's variable operands. */
export const operandsOf = (ctx: FusionContext, id: number): number[] =>
  ctx.producer.get(id)?.inputs.flatMap((a) => (a.kind === 'var' ? [a.id] : [])) ?? []

/**
 * The fusion search never chooses a kernel of more statements than MAX_KERNEL_STATEMENTS, nor one
 * that recomputes more than MAX_RECOMPUTED variables (that one it does not even build). Such kernels
 * come from recomputing chains of values inside loops inside loops, which every dropped buffer
 * lengthens where launches weigh much (GPUs): each thread would redo the work of thousands, and
 * building them to cost them grows with them (a training step's webgpu search built bodies of 10⁶
 * statements and never finished). The kernels of drift's wasm plans have a few hundred at most.
 */
export const MAX_KERNEL_STATEMENTS = 4096
export const MAX_RECOMPUTED = 512

/** The kernel computing a group of variables under a placement (at most `maxStatements` statements: buildKernel). */
export const groupKernel = (ctx: FusionContext, g: number[], p: Placement, maxStatements = Infinity) =>
  buildKernel(
    g.map((id) => ctx.varOf.get(id)!),
    p,
    ctx.producer,
    `k_${groupName(ctx, g)}`,
    groupName(ctx, g),
    maxStatements,
  )

/** The group's kernel as the fusion search may choose it: undefined past MAX_KERNEL_STATEMENTS statements. */
export function searchKernel(ctx: FusionContext, g: number[], p: Placement): Kernel | undefined {
  try {
    return groupKernel(ctx, g, p, MAX_KERNEL_STATEMENTS)
  } catch (e) {
    if (e instanceof KernelTooLarge) return undefined
    throw e
  }
}
