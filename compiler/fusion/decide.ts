/**
 * Materialize or recompute: which variables get a buffer. Outputs, host draws (and what they
 * read) and `hint(x, 'materialize')` are forced; among the candidates (variables whose element
 * code loops, that several equations read, transposes a contraction reads, values broadcast to a
 * larger shape, and layouts a backend rewrite offers) a local search on the cost model decides:
 * add a buffer when it lowers the estimated work, drop the ones a later choice made useless,
 * and compound moves (store one, recompute others from it), from two starting points (fewest
 * buffers, every candidate stored), keeping the cheaper. The buffers live at any one step stay
 * within the backend's memory budget.
 */
import type { Var } from '../ir/types.js'
import { fusionClass, primitive } from '../ir/primitive.js'
import { sizeOf } from '../ir/shape.js'
import type { Kernel } from '../kernel/types.js'
import { kernelCost } from './cost.js'
import {
  fitsBuffer,
  isLoopEqn,
  MAX_RECOMPUTED,
  operandsOf,
  placementFor,
  searchKernel,
  seesThrough,
  withinLimits,
  type FusionContext,
} from './context.js'
import { StoredWork, type SearchGraph } from './storedWork.js'
import { boundedFanIn } from './fanIn.js'

export interface Decision {
  materialized: Set<number>
  /** Why each materialized variable is stored. */
  why: Map<number, string>
  /** Why each candidate left out is recomputed (for --explain). */
  recomputed: string[]
}

export const fmt = (n: number) => n.toExponential(2)
/** Above this many candidates the search runs once, without compound moves. */
const THOROUGH_SEARCH_LIMIT = 40

/** Variables that must be stored, and why. */
function forcedDecisions(ctx: FusionContext): Map<number, string> {
  const { graph, outputVars, hints } = ctx
  const isInput = (id: number) => graph.inputs.some((v) => v.id === id)
  const why = new Map<number, string>()
  for (const id of outputVars) why.set(id, 'output')
  for (const e of graph.eqns)
    if (ctx.isHostEqn(e)) {
      why.set(
        e.outputs[0].id,
        fusionClass(e.prim) === 'host' ? 'random draw, computed on the host' : `${e.prim}, computed on the host here`,
      )
      for (const a of e.inputs)
        if (a.kind === 'var' && !isInput(a.id) && !why.has(a.id)) why.set(a.id, 'read by a host step')
    }
  for (const id of hints.materialize ?? []) if (!why.has(id)) why.set(id, 'hint: materialize')
  for (const [id, reason] of ctx.required) if (!why.has(id)) why.set(id, reason)
  for (const e of graph.eqns) {
    const always = primitive(e.prim).alwaysStored
    if (always && !why.has(e.outputs[0].id)) why.set(e.outputs[0].id, always)
  }
  for (const [id, reason] of boundedFanIn(ctx, new Set(why.keys()))) why.set(id, reason)
  return why
}

/**
 * Every candidate that fits a buffer stored, less the largest live at the peak while the live
 * buffers pass the memory budget: the search's densest start. Over the budget, or with a buffer
 * larger than one binding holds, every plan costs Infinity and the search could not tell a better
 * one (a training step's patch matrices at twice the batch; the drift loss's N×(2N + 16) logits at
 * N = 8192 on a GPU).
 */
export function withinBudget(ctx: FusionContext, forced: Set<number>, candidates: Var[]): number[] {
  const kept = candidates.filter((v) => fitsBuffer(ctx, v.shape))
  const size = (v: Var) => sizeOf(v.shape)
  const budget = ctx.limits.memoryBudget ?? Infinity
  if (budget < Infinity) {
    const set = lifetimes(ctx, [...forced, ...kept.map((v) => v.id)])
    const droppable = [...kept].sort((a, b) => size(b) - size(a))
    while (set.peak() > budget) {
      const step = set.peakStep()
      const i = droppable.findIndex((v) => set.liveAt(v.id, step))
      if (i < 0) break
      set.delete(droppable[i].id)
      droppable.splice(i, 1)
    }
    return [...forced, ...kept.filter((v) => set.has(v.id)).map((v) => v.id)]
  }
  return [...forced, ...kept.map((v) => v.id)]
}

/** The stored set `ids` with their lifetimes and no kernel costs: what the live buffers hold, under a budget. */
const lifetimes = (ctx: FusionContext, ids: Iterable<number>) =>
  new StoredWork(
    searchGraph(ctx, () => 0),
    ids,
  )

/** The search's view of the graph: dataflow, sizes, the plan's steps, and each kernel's estimated work by `kernelCost`. */
function searchGraph(ctx: FusionContext, kernelCost: SearchGraph['kernelCost']): SearchGraph {
  const { varOf, graph } = ctx
  const readers = new Map<number, number[]>()
  const step = new Map<number, number>()
  graph.eqns.forEach((e, i) => {
    for (const o of e.outputs) step.set(o.id, i)
    for (const a of e.inputs)
      if (a.kind === 'var') {
        let list = readers.get(a.id)
        if (!list) readers.set(a.id, (list = []))
        for (const o of e.outputs) list.push(o.id)
      }
  })
  return {
    reads: (id) => operandsOf(ctx, id),
    readers: (id) => readers.get(id) ?? [],
    elements: (id) => sizeOf(varOf.get(id)!.shape),
    isHost: ctx.isHost,
    seeThrough: (id) => seesThrough(ctx, id),
    step: (id) => step.get(id) ?? 0,
    steps: graph.eqns.length,
    isOutput: (id) => ctx.outputVars.has(id),
    kernelCost,
    budget: ctx.limits.memoryBudget ?? Infinity,
    maxRecomputed: MAX_RECOMPUTED,
    memo: new Map(),
  }
}

/** The variables worth considering for a buffer, consumers first. */
function candidatesOf(ctx: FusionContext, forced: Set<number>): Var[] {
  const { graph, producer, hints, layouts } = ctx
  const consumers = new Map<number, number>()
  for (const e of graph.eqns)
    for (const a of e.inputs) if (a.kind === 'var') consumers.set(a.id, (consumers.get(a.id) ?? 0) + 1)
  // a transpose read by a contraction may be worth storing transposed (contiguous loads)
  const contracted = new Set(
    graph.eqns.filter(isLoopEqn).flatMap((e) => e.inputs.flatMap((a) => (a.kind === 'var' ? [a.id] : []))),
  )
  // a value broadcast to a larger shape (a row's logsumexp) is otherwise recomputed at every element it reaches
  const broadcastSources = new Set<number>()
  for (const e of graph.eqns) {
    let a = e.inputs[0]
    if (e.prim !== 'broadcast' || a?.kind !== 'var' || sizeOf(a.shape) >= sizeOf(e.outputs[0].shape)) continue
    while (a.kind === 'var' && producer.has(a.id) && fusionClass(producer.get(a.id)!.prim) === 'view')
      a = producer.get(a.id)!.inputs[0]
    if (a.kind === 'var' && producer.has(a.id) && fusionClass(producer.get(a.id)!.prim) !== 'constant')
      broadcastSources.add(a.id)
  }
  return graph.eqns
    .flatMap((e) => e.outputs.map((o) => ({ e, o })))
    .filter(
      ({ e, o }) =>
        !forced.has(o.id) &&
        !hints.inline?.has(o.id) &&
        (isLoopEqn(e) ||
          (consumers.get(o.id) ?? 0) > 1 ||
          (e.prim === 'transpose' && contracted.has(o.id)) ||
          layouts.has(o.id) ||
          broadcastSources.has(o.id)),
    )
    .map(({ o }) => o)
    .reverse()
}

export function decideStorage(ctx: FusionContext): Decision {
  const { limits } = ctx
  const why = forcedDecisions(ctx)
  const forced = new Set(why.keys())
  const candidates = candidatesOf(ctx, forced)
  const bufferSize = (b: string) => ctx.sizes.get(b) ?? 1
  const bounded = (k: Kernel) => (withinLimits(ctx, k) ? kernelCost(k, bufferSize, limits) : Infinity)
  const graph = searchGraph(ctx, (id, stored) => {
    const k = searchKernel(ctx, [id], placementFor(ctx, stored))
    return k ? bounded(k) : Infinity
  })

  const search = (start: Iterable<number>, compound: boolean) => {
    const set = new StoredWork(graph, start)
    const reasons = new Map<number, string>()
    let current = set.cost()
    const tryAdd = () => {
      for (const o of candidates) {
        if (set.has(o.id)) continue
        set.add(o.id)
        const c = set.cost()
        if (c < current) {
          reasons.set(o.id, `storing it lowers the estimated work from ${fmt(current)} to ${fmt(c)}`)
          current = c
        } else set.delete(o.id)
      }
    }
    const tryDrop = (keep?: number) => {
      for (const o of [...candidates].reverse()) {
        if (!set.has(o.id) || o.id === keep) continue
        set.delete(o.id)
        const c = set.cost()
        // a drop that leaves the plan infeasible only lengthens what is recomputed (and the time to
        // build it): keep the buffer; if none makes it feasible the plan names the kernel that does not fit
        if (c <= current && c < Infinity) {
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
    for (const o of compound ? candidates : []) {
      if (set.has(o.id)) continue
      const [before, beforeCost, beforeReasons] = [[...set], current, new Map(reasons)]
      set.add(o.id)
      current = set.cost()
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
  const most = search(withinBudget(ctx, forced, candidates), thorough)
  const fewest = thorough ? search(forced, thorough) : most
  const best = fewest.current <= most.current ? fewest : most
  for (const [id, r] of best.reasons) why.set(id, r)
  const materialized = new Set(best.set)
  const budget = graph.budget
  // under a budget, a lifetimes-only copy of the plan tells which candidates would pass it
  const live = budget < Infinity ? lifetimes(ctx, materialized) : undefined
  const overBudget = (id: number) => {
    if (!live) return false
    live.add(id)
    const over = live.peak() > budget
    live.delete(id)
    return over
  }
  const recomputed = candidates
    .filter((o) => !materialized.has(o.id))
    .map((o) =>
      overBudget(o.id)
        ? `${ctx.nameOf(o)}: recomputed where it is read (storing it would take the plan's live buffers past the backend's memory budget of ${fmt(budget)} elements)`
        : `${ctx.nameOf(o)}: recomputed where it is read (storing it would not lower the estimated work)`,
    )
  return { materialized, why, recomputed }
}
