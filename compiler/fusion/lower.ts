/**
 * Fusion: L1 → a plan of kernels.
 * 1. Each variable is either materialized (stored in a buffer) or recomputed inside the kernels
 *    that read it. Greedy on the cost model: from the fewest buffers (the outputs), consumers
 *    first, add a buffer when it lowers the estimated work; then drop the ones a later choice
 *    made useless; then add again.
 * 2. Materialized variables of one shape share a kernel (stacked slots) when that lowers the
 *    estimated work and keeps the plan acyclic: sibling reductions become one launch.
 * Counter-based random draws run on the host.
 */
import type { Eqn, Graph, Var } from '../ir/types.js'
import { varNamer } from '../ir/print.js'
import { sizeOf } from '../ir/shape.js'
import type { BufferInfo, HostInput, Kernel, Plan, Step } from '../kernel/types.js'
import { kernelCost, type CostModel } from './cost.js'
import { splitReductions } from '../transforms/splitReductions.js'
import { transposedOperands } from '../transforms/transposedOperands.js'
import { convMatmuls, type ConvDesign, type ConvShape } from '../transforms/convMatmuls.js'
import { buildKernel, slotOffsets, type Placement } from './kernels.js'
import { producersOf } from '../transforms/rewrite.js'
import { StoredSet, descendantsOf, salt } from './storedSet.js'

export const HOST_PRIMS = new Set(['random_uniform', 'random_normal', 'random_int', 'fold_in'])
/** Primitives whose element code contains a loop: the candidates for materialization. */
const LOOPING = new Set([
  'reduce_sum',
  'reduce_max',
  'reduce_min',
  'reduce',
  'scan',
  'matmul',
  'cdist',
  'conv2d',
  'conv2d_grad_input',
  'conv2d_grad_filter',
  'col2im',
  'scatter_add',
])
/** Convolutions: always stored (recomputed inside a reader's loop, a whole convolution would run per element). */
const CONVOLUTIONS = new Set(['conv2d', 'conv2d_grad_input', 'conv2d_grad_filter'])

/** Primitives that only re-index their input, and ones that compute nothing from inputs. */
const VIEWS = new Set(['reshape', 'stop_gradient', 'copy', 'hint'])
const CONSTANTS = new Set(['full', 'iota'])

export interface Lowered {
  plan: Plan
  /** Why each intermediate was materialized or recomputed (for --explain). */
  explain: string[]
}

export interface FusionHints {
  materialize?: Set<number>
  inline?: Set<number>
}

/**
 * What a backend can bind and what a launch costs there: webgpu through gpu.js takes at most 7
 * arrays per kernel; drift's wasm kernels are plain function calls (a launch weighs little, and
 * stacking siblings into one kernel would only add branches to vectorized code).
 */
export interface BackendLimits extends CostModel {
  maxBuffers?: number
  /** May siblings share one launch (stacked slots)? Default true. */
  stacking?: boolean
  /** Split long reductions over several axes in two (transforms/splitReductions.ts)? Default false. */
  splitReductions?: boolean
  /** Offer distance operands in transposed layout (transforms/transposedOperands.ts)? Default false. */
  transposeOperands?: boolean
  /** Compute convolutions as matrix products (transforms/convMatmuls.ts)? Default false. */
  convMatmuls?: boolean
  /** How each of those convolutions reads its input's patches (default: transforms/convMatmuls.ts). */
  convDesign?: (c: ConvShape) => ConvDesign
  /** At most this many elements of buffers (all of a plan's, added up) may the search choose to store (default: no limit). */
  memoryBudget?: number
}

const fmt = (n: number) => n.toExponential(2)
/** Above this many candidates the search runs once, without compound moves. */
const THOROUGH_SEARCH_LIMIT = 40

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

export function lowerGraph(original: Graph, given: FusionHints = {}, limits: BackendLimits = {}): Lowered {
  const conv = limits.convMatmuls
    ? convMatmuls(original, limits.convDesign)
    : { graph: original, stored: new Map<number, string>(), inline: new Set<number>() }
  const split = limits.splitReductions ? splitReductions(conv.graph) : conv.graph
  const { graph, layouts } = limits.transposeOperands
    ? transposedOperands(split)
    : { graph: split, layouts: new Set<number>() }
  const hints = hintsIn(graph, { ...given, inline: new Set([...(given.inline ?? []), ...conv.inline]) })
  const maxBuffers = limits.maxBuffers ?? Infinity
  const names = varNamer(graph)
  const nameOf = (v: Var) => names.name(v.id).replace(/[^A-Za-z0-9_]/g, '_')
  const producer = producersOf(graph)
  const varOf = new Map<number, Var>()
  for (const e of graph.eqns) for (const o of e.outputs) varOf.set(o.id, o)
  const sizes = new Map<string, number>()
  const base: Placement = { buffers: new Map(), scalars: new Map(), readStoredMax: limits.stacking === false }
  const buffers: BufferInfo[] = []
  const scalars: Plan['scalars'] = []
  // under a binding limit, the float array arguments travel in one packed buffer (integers stay
  // apart: random keys need all 32 bits)
  const arrays = graph.inputs.map((v, i) => ({ v, i })).filter(({ v }) => v.dtype === 'f32' && v.shape.length > 0)
  const arrayCount = graph.inputs.filter((v) => !(v.shape.length === 0 && v.dtype === 'f32')).length
  const pack = arrays.length > 1 && arrayCount >= maxBuffers
  const packed = new Set(pack ? arrays.map(({ v }) => v.id) : [])
  graph.inputs.forEach((v, i) => {
    if (v.shape.length === 0 && v.dtype === 'f32') {
      const name = `s_${nameOf(v)}`
      base.scalars.set(v.id, name)
      scalars.push({ name, inputIndex: i })
    } else if (!packed.has(v.id)) {
      base.buffers.set(v.id, { buf: nameOf(v), offset: 0 })
      sizes.set(nameOf(v), sizeOf(v.shape))
      buffers.push({
        name: nameOf(v),
        shape: v.shape,
        dtype: v.dtype,
        role: 'input',
        inputIndex: i,
        reason: 'argument',
      })
    }
  })
  if (pack) {
    let offset = 0
    const packs = arrays.map(({ v, i }) => {
      base.buffers.set(v.id, { buf: 'args', offset })
      const entry = { inputIndex: i, offset, shape: v.shape, dtype: v.dtype }
      offset += sizeOf(v.shape)
      return entry
    })
    sizes.set('args', Math.max(...arrays.map(({ v }) => sizeOf(v.shape))))
    buffers.push({
      name: 'args',
      shape: [offset],
      dtype: 'f32',
      role: 'input',
      packs,
      reason: `the ${arrays.length} array arguments, packed: the backend binds at most ${maxBuffers} arrays per kernel`,
    })
  }
  for (const v of varOf.values()) sizes.set(nameOf(v), sizeOf(v.shape))
  const isInput = (id: number) => graph.inputs.some((v) => v.id === id)
  const outputVars = new Set(graph.outputs.filter((a) => a.kind === 'var' && !isInput(a.id)).map((a) => (a as Var).id))
  const isHost = (id: number) => HOST_PRIMS.has(producer.get(id)!.prim)

  // forced decisions
  const why = new Map<number, string>()
  for (const id of outputVars) why.set(id, 'output')
  for (const e of graph.eqns)
    if (HOST_PRIMS.has(e.prim)) {
      why.set(e.outputs[0].id, 'random draw, computed on the host')
      for (const a of e.inputs)
        if (a.kind === 'var' && !isInput(a.id) && !why.has(a.id)) why.set(a.id, 'read by a host step')
    }
  for (const id of hints.materialize ?? []) if (!why.has(id)) why.set(id, 'hint: materialize')
  for (const [id, reason] of conv.stored) if (!why.has(id)) why.set(id, reason)
  for (const e of graph.eqns)
    if (CONVOLUTIONS.has(e.prim) && !why.has(e.outputs[0].id))
      why.set(e.outputs[0].id, 'a convolution: stored, never recomputed inside the loop of a reader')

  const bufferSize = (b: string) => sizes.get(b) ?? 1
  const placementFor = (ids: Iterable<number>): Placement => {
    const p: Placement = { ...base, buffers: new Map(base.buffers) }
    for (const id of ids) p.buffers.set(id, { buf: nameOf(varOf.get(id)!), offset: 0 })
    return p
  }
  const single = (id: number, p: Placement) =>
    buildKernel([varOf.get(id)!], p, producer, `k_${nameOf(varOf.get(id)!)}`, nameOf(varOf.get(id)!))
  const bounded = (k: Kernel) => (k.buffers.length > maxBuffers ? Infinity : kernelCost(k, bufferSize, limits))
  // A kernel's code depends only on which of its ancestors are stored: cache its cost on that.
  const ancestors = ancestorsOf(graph)
  const descendants = descendantsOf(ancestors)
  const stored = (ids: Iterable<number>) => new StoredSet(descendants, salt, ids)
  const costCache = new Map<string, number>()
  const kernelCostIn = (id: number, set: StoredSet) => {
    const key = `${id}|${set.fingerprint(id)}`
    let c = costCache.get(key)
    if (c === undefined) costCache.set(key, (c = bounded(single(id, placementFor(set)))))
    return c
  }
  const budget = limits.memoryBudget ?? Infinity
  const elements = (set: StoredSet) => [...set].reduce((acc, id) => acc + sizeOf(varOf.get(id)!.shape), 0)
  const cost = (set: StoredSet) =>
    elements(set) > budget
      ? Infinity
      : [...set].filter((id) => !isHost(id)).reduce((acc, id) => acc + kernelCostIn(id, set), 0)

  // 1. materialize or recompute: local search from two starting points (fewest buffers, and every
  // candidate stored), keeping the cheaper result
  const forced = new Set(why.keys())
  const consumers = new Map<number, number>()
  for (const e of graph.eqns)
    for (const a of e.inputs) if (a.kind === 'var') consumers.set(a.id, (consumers.get(a.id) ?? 0) + 1)
  // a transpose read by a contraction may be worth storing transposed (contiguous loads)
  const contracted = new Set(
    graph.eqns
      .filter((e) => LOOPING.has(e.prim))
      .flatMap((e) => e.inputs.flatMap((a) => (a.kind === 'var' ? [a.id] : []))),
  )
  // a value broadcast to a larger shape (a row's logsumexp) is otherwise recomputed at every element it reaches
  const broadcastSources = new Set<number>()
  for (const e of graph.eqns) {
    let a = e.inputs[0]
    if (e.prim !== 'broadcast' || a?.kind !== 'var' || sizeOf(a.shape) >= sizeOf(e.outputs[0].shape)) continue
    while (a.kind === 'var' && VIEWS.has(producer.get(a.id)?.prim ?? '')) a = producer.get(a.id)!.inputs[0]
    if (a.kind === 'var' && producer.has(a.id) && !CONSTANTS.has(producer.get(a.id)!.prim)) broadcastSources.add(a.id)
  }
  const candidates = graph.eqns
    .flatMap((e) => e.outputs.map((o) => ({ e, o })))
    .filter(
      ({ e, o }) =>
        !forced.has(o.id) &&
        !hints.inline?.has(o.id) &&
        (LOOPING.has(e.prim) ||
          (consumers.get(o.id) ?? 0) > 1 ||
          (e.prim === 'transpose' && contracted.has(o.id)) ||
          layouts.has(o.id) ||
          broadcastSources.has(o.id)),
    )
    .reverse()
  const search = (start: Iterable<number>, compound: boolean) => {
    const set = stored(start)
    const reasons = new Map<number, string>()
    let current = cost(set)
    const tryAdd = () => {
      for (const { o } of candidates) {
        if (set.has(o.id)) continue
        set.add(o.id)
        const c = cost(set)
        if (c < current) {
          reasons.set(o.id, `storing it lowers the estimated work from ${fmt(current)} to ${fmt(c)}`)
          current = c
        } else set.delete(o.id)
      }
    }
    const tryDrop = (keep?: number) => {
      for (const { o } of [...candidates].reverse()) {
        if (!set.has(o.id) || o.id === keep) continue
        set.delete(o.id)
        const c = cost(set)
        if (c <= current) {
          current = c
          reasons.delete(o.id)
        } else set.add(o.id)
      }
    }
    tryDrop()
    tryAdd()
    tryDrop()
    tryAdd()
    // compound moves: store one more variable if that lets others be recomputed (one matrix
    // instead of its two slices)
    for (const { o } of compound ? candidates : []) {
      if (set.has(o.id)) continue
      const [before, beforeCost, beforeReasons] = [[...set], current, new Map(reasons)]
      set.add(o.id)
      current = cost(set)
      tryDrop(o.id)
      if (current < beforeCost)
        reasons.set(
          o.id,
          `storing it (and recomputing others from it) lowers the estimated work from ${fmt(beforeCost)} to ${fmt(current)}`,
        )
      else {
        set.reset(before)
        current = beforeCost
        reasons.clear()
        for (const [k, v] of beforeReasons) reasons.set(k, v)
      }
    }
    for (const id of set)
      if (!forced.has(id) && !reasons.has(id)) reasons.set(id, `storing it keeps the estimated work at ${fmt(current)}`)
    return { set, current, reasons }
  }
  // large graphs (long unrolled loops, training steps) get one cheaper search, from every candidate
  // stored: its kernels are small, where recomputing everything would nest loops chain-deep
  const thorough = candidates.length <= THOROUGH_SEARCH_LIMIT
  const most = search([...forced, ...candidates.map(({ o }) => o.id)], thorough)
  const fewest = thorough ? search(forced, thorough) : most
  const best = fewest.current <= most.current ? fewest : most
  const materialized = best.set
  for (const [id, r] of best.reasons) why.set(id, r)
  const storedElements = elements(materialized)
  const explain = candidates
    .filter(({ o }) => !materialized.has(o.id))
    .map(({ o }) =>
      storedElements + sizeOf(o.shape) > budget
        ? `${nameOf(o)}: recomputed where it is read (storing it would take the plan's stored buffers past the backend's memory budget of ${fmt(budget)} elements)`
        : `${nameOf(o)}: recomputed where it is read (storing it would not lower the estimated work)`,
    )

  // 2. stack sibling kernels of one shape
  const groupKernels = new Map<string, Kernel>()
  const order = graph.eqns.flatMap((e) => e.outputs.map((o) => o.id)).filter((id) => materialized.has(id))
  const groups =
    limits.stacking === false
      ? order.map((id) => [id])
      : stackSiblings(
          order,
          {
            stackable: (id) => !isHost(id) && !outputVars.has(id),
            hostReads: (id, p) =>
              isHost(id)
                ? producer
                    .get(id)!
                    .inputs.flatMap((a) => (a.kind === 'var' && p.buffers.has(a.id) ? [p.buffers.get(a.id)!.buf] : []))
                : undefined,
            shapeKey: (id) => varOf.get(id)!.dtype,
            placement: (gs) => placeGroups(gs),
            kernel: (g, p) => {
              // memoized on the group and on where its ancestors live (the only placement it can see)
              const seen = new Set<number>()
              for (const id of g) for (const a of ancestors.get(id)!) seen.add(a)
              const where = [...seen]
                .filter((a) => p.buffers.has(a))
                .map((a) => `${a}@${p.buffers.get(a)!.buf}+${p.buffers.get(a)!.offset}`)
              const key = `${g.join(',')}|${where.join(',')}`
              let k = groupKernels.get(key)
              if (!k)
                groupKernels.set(
                  key,
                  (k = buildKernel(
                    g.map((id) => varOf.get(id)!),
                    p,
                    producer,
                    `k_${groupName(g)}`,
                    groupName(g),
                  )),
                )
              return k
            },
            cost: (k) => (k.buffers.length > maxBuffers ? Infinity : kernelCost(k, (b) => sizes.get(b) ?? 1, limits)),
            // a stacked buffer is as cache-friendly as its largest slot: readers touch one slot
            register: (g) => sizes.set(groupName(g), Math.max(...g.map((id) => sizeOf(varOf.get(id)!.shape)))),
          },
          ancestors,
        )
  function groupName(g: number[]): string {
    return g.map((id) => nameOf(varOf.get(id)!)).join('_')
  }
  function placeGroups(gs: number[][]): Placement {
    const p: Placement = { ...base, buffers: new Map(base.buffers) }
    for (const g of gs) {
      const offsets = slotOffsets(g.map((id) => varOf.get(id)!))
      g.forEach((id, slot) => p.buffers.set(id, { buf: groupName(g), offset: offsets[slot] }))
    }
    return p
  }

  // 3. the plan
  const final = placeGroups(groups)
  const steps: Step[] = []
  for (const g of groups) {
    const v = varOf.get(g[0])!
    const name = groupName(g)
    const reason = g.map((id) => `${nameOf(varOf.get(id)!)}: ${why.get(id)}`).join('; ')
    const e = producer.get(v.id)!
    const step: Step = HOST_PRIMS.has(e.prim)
      ? hostStep(e, final, name)
      : {
          k: 'launch',
          kernel: buildKernel(
            g.map((id) => varOf.get(id)!),
            final,
            producer,
            `k_${name}`,
            name,
          ),
        }
    const shape = step.k === 'launch' ? step.kernel.out.shape : v.shape
    buffers.push({ name, shape, dtype: v.dtype, role: outputVars.has(v.id) ? 'output' : 'intermediate', reason })
    for (const id of g)
      explain.push(
        `${nameOf(varOf.get(id)!)}: materialized (${why.get(id)})${g.length > 1 ? `, slot ${g.indexOf(id)} of ${name}` : ''}`,
      )
    steps.push(step)
  }
  for (const st of steps)
    if (st.k === 'launch' && st.kernel.buffers.length > maxBuffers)
      throw new Error(
        `fusion: kernel ${st.kernel.name} reads ${st.kernel.buffers.length} buffers, more than the ${maxBuffers} this backend binds; store fewer intermediates (hint(x, 'inline')) or run on webasm`,
      )
  insertFrees(steps, buffers)
  const outputs: Plan['outputs'] = graph.outputs.map((a) =>
    a.kind === 'lit'
      ? { k: 'literal', value: a.value, dtype: a.dtype }
      : base.scalars.has(a.id)
        ? { k: 'scalar', name: base.scalars.get(a.id)! }
        : { k: 'buffer', buf: final.buffers.get(a.id)!.buf },
  )
  return { plan: { buffers, scalars, steps, outputs }, explain }
}

interface StackingOps {
  stackable(id: number): boolean
  /** For variables a host step computes: the buffers it reads (no kernel is built for them). */
  hostReads(id: number, p: Placement): string[] | undefined
  shapeKey(id: number): string
  placement(groups: number[][]): Placement
  kernel(group: number[], p: Placement): Kernel
  cost(k: Kernel): number
  register(group: number[]): void
}

/**
 * Merge groups while the estimated work drops and the groups can still run in some order. A
 * merge is judged on its own kernel (the merged kernel against the two it replaces; readers of
 * the two buffers only see new offsets). It is refused when a third group sits between the two
 * (one reads the third, which reads the other): no order would exist. Returns the groups in
 * execution order.
 */
function stackSiblings(order: number[], ops: StackingOps, ancestors: Map<number, Set<number>>): number[][] {
  const groups = order.map((id) => [id])
  groups.forEach(ops.register)
  const dependsOn = (a: number[], b: number[]) => a.some((x) => b.some((y) => ancestors.get(x)!.has(y)))
  const kernelCostOf = (g: number[], gs: number[][]) =>
    ops.hostReads(g[0], ops.placement(gs)) ? 0 : ops.cost(ops.kernel(g, ops.placement(gs)))
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      const [a, b] = [groups[i], groups[j]]
      if (!a.every(ops.stackable) || !b.every(ops.stackable) || ops.shapeKey(a[0]) !== ops.shapeKey(b[0])) continue
      const between = groups.some(
        (c, k) => k !== i && k !== j && ((dependsOn(b, c) && dependsOn(c, a)) || (dependsOn(a, c) && dependsOn(c, b))),
      )
      if (between) continue
      const merged = [...a, ...b]
      ops.register(merged)
      const trial = groups.filter((_, k) => k !== j).map((g, k) => (k === i ? merged : g))
      const delta = kernelCostOf(merged, trial) - kernelCostOf(a, groups) - kernelCostOf(b, groups)
      if (delta < 0) {
        groups.splice(j, 1)
        groups[i] = merged
        j = i // keep growing this group
      }
    }
  }
  return schedule(groups, ops)
}

/** Groups in an order where every buffer is written before it is read. */
function schedule(gs: number[][], ops: StackingOps): number[][] {
  const p = ops.placement(gs)
  const steps = gs.map((g) => {
    const host = ops.hostReads(g[0], p)
    if (host) return { reads: host, out: p.buffers.get(g[0])!.buf }
    const kernel = ops.kernel(g, p)
    return { reads: kernel.buffers, out: kernel.out.buf }
  })
  const producerOf = new Map<string, number>()
  steps.forEach((st, i) => producerOf.set(st.out, i))
  const deps = steps.map(
    (st) => new Set(st.reads.map((b) => producerOf.get(b)).filter((i): i is number => i !== undefined)),
  )
  const done: number[] = []
  const left = new Set(gs.keys())
  while (left.size) {
    const ready = [...left].find((i) => [...deps[i]].every((d) => !left.has(d) || d === i))
    if (ready === undefined) throw new Error('internal: stacked kernels have no valid order')
    done.push(ready)
    left.delete(ready)
  }
  return done.map((i) => gs[i])
}

function hostStep(e: Eqn, place: Placement, out: string): Step {
  const inputs: HostInput[] = e.inputs.map((a) =>
    a.kind === 'lit' ? { value: a.value, dtype: a.dtype } : { buf: place.buffers.get(a.id)!.buf },
  )
  return { k: 'host', prim: e.prim, params: e.params, inputs, out, ...(e.loc ? { loc: e.loc } : {}) }
}

/** Free each intermediate buffer after the last step that reads it. */
function insertFrees(steps: Step[], buffers: BufferInfo[]): void {
  const last = new Map<string, number>()
  steps.forEach((s, i) => {
    const reads =
      s.k === 'launch' ? s.kernel.buffers : s.k === 'host' ? s.inputs.flatMap((x) => ('buf' in x ? [x.buf] : [])) : []
    for (const r of reads) last.set(r, i)
  })
  const intermediates = new Set(buffers.filter((b) => b.role === 'intermediate').map((b) => b.name))
  const after = [...last].filter(([b]) => intermediates.has(b)).sort((a, b) => b[1] - a[1])
  for (const [buf, i] of after) steps.splice(i + 1, 0, { k: 'free', buf })
}
