/**
 * Stacked kernels: materialized variables of one dtype share a launch (one slot each in a stacked
 * buffer) when that lowers the estimated work and the groups can still run in some order: sibling
 * reductions become one launch. Backends that never share launches (wasm) skip it.
 */
import { sizeOf } from '../ir/shape.js'
import type { Kernel } from '../kernel/types.js'
import { kernelCost } from './cost.js'
import type { Placement } from './buildKernel.js'
import {
  groupKernel,
  groupName,
  operandsOf,
  placeGroups,
  searchKernel,
  seesThrough,
  withinLimits,
  type FusionContext,
} from './context.js'
import { frontierOf } from './storedWork.js'

/** The stored variables in groups sharing a kernel, in an order that runs (one group each where stacking is off). */
export function stackKernels(ctx: FusionContext, materialized: Set<number>): number[][] {
  const { graph, producer, varOf, outputVars, limits } = ctx
  const order = graph.eqns.flatMap((e) => e.outputs.map((o) => o.id)).filter((id) => materialized.has(id))
  if (limits.stacking === false || order.length > STACKING_LIMIT) return order.map((id) => [id])
  const ancestors = ctx.ancestors
  const memo = new Map<string, Kernel>()
  const dataflow = { reads: (id: number) => operandsOf(ctx, id), seeThrough: (id: number) => seesThrough(ctx, id) }
  const cost = (k: Kernel) => (withinLimits(ctx, k) ? kernelCost(k, (b) => ctx.sizes.get(b) ?? 1, limits) : Infinity)
  return stackSiblings(
    order,
    {
      stackable: (id) => !ctx.isHost(id) && !outputVars.has(id),
      hostReads: (id, p) =>
        ctx.isHost(id)
          ? producer
              .get(id)!
              .inputs.flatMap((a) => (a.kind === 'var' && p.buffers.has(a.id) ? [p.buffers.get(a.id)!.buf] : []))
          : undefined,
      shapeKey: (id) => varOf.get(id)!.dtype,
      placement: (gs) => placeGroups(ctx, gs),
      kernel: (g, p) => {
        // memoized on the group and on where the stored variables its code reads live (the only placement it can see)
        // (its own members are computed in place, not read)
        const own = new Set(g)
        const stored = (id: number) => p.buffers.has(id) && !own.has(id)
        const where = frontierOf(g.flatMap(dataflow.reads), dataflow, stored)!.map(
          (a) => `${a}@${p.buffers.get(a)!.buf}+${p.buffers.get(a)!.offset}`,
        )
        const key = `${g.join(',')}|${where.join(',')}`
        let k = memo.get(key)
        if (!k) memo.set(key, (k = groupKernel(ctx, g, p)))
        return k
      },
      cost,
      mergedCost: (g, p) => {
        const k = searchKernel(ctx, g, p)
        return k ? cost(k) : Infinity
      },
      // a stacked buffer is as cache-friendly as its largest slot: readers touch one slot
      register: (g) => ctx.sizes.set(groupName(ctx, g), Math.max(...g.map((id) => sizeOf(varOf.get(id)!.shape)))),
    },
    ancestors,
  )
}

interface StackingOps {
  stackable(id: number): boolean
  /** For variables a host step computes: the buffers it reads (no kernel is built for them). */
  hostReads(id: number, p: Placement): string[] | undefined
  shapeKey(id: number): string
  placement(groups: number[][]): Placement
  kernel(group: number[], p: Placement): Kernel
  cost(k: Kernel): number
  /** The cost of a merged group's kernel: Infinity when it passes the size the fusion search considers (decide.ts). */
  mergedCost(group: number[], p: Placement): number
  register(group: number[]): void
}

/**
 * Plans of more kernels than this are not stacked: the search tries pairs of kernels (building each
 * merged kernel), which took minutes on a training step's thousand, and its check that merged
 * groups still run in some order looks at one group between two at a time.
 */
export const STACKING_LIMIT = 128

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
      const delta = ops.mergedCost(merged, ops.placement(trial)) - kernelCostOf(a, groups) - kernelCostOf(b, groups)
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
