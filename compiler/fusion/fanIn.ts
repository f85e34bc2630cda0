/**
 * Wide fan-in under a binding limit: a value computed inline reads every buffer its inline code
 * reaches. A sum of 200 stored scalars (a global gradient norm) inlined into one kernel reads 200
 * buffers, and every kernel that reads the sum inherits them. On a backend that binds few buffers
 * (WebGPU: 15 inputs a kernel) no choice of the storage search fixes that, because the partial sums
 * read once are not its candidates. This pass walks the graph in order, counting the buffers each
 * value's inline code reads when every loop is stored (the search's densest starting point), and
 * stores an equation's operands that read several, the smallest first, until its count is within
 * the limit: the sum becomes a tree of kernels of at most `maxBuffers` reads each.
 */
import { fusionClass } from '../ir/primitive.js'
import { sizeOf } from '../ir/shape.js'
import { fitsBuffer, type FusionContext } from './context.js'

/** The variables to store so that no value's inline code reads more than the backend binds, and why. */
export function boundedFanIn(ctx: FusionContext, stored: ReadonlySet<number>): Map<number, string> {
  const { graph, maxBuffers, base } = ctx
  const why = new Map<number, string>()
  if (!Number.isFinite(maxBuffers)) return why
  const reads = new Map<number, ReadonlySet<string>>()
  for (const v of graph.inputs) {
    const slot = base.buffers.get(v.id)
    reads.set(v.id, new Set(slot ? [slot.buf] : []))
  }
  const shape = (id: number) => ctx.varOf.get(id)!.shape
  const own = (id: number) => new Set([ctx.nameOf(ctx.varOf.get(id)!)])
  for (const e of graph.eqns) {
    const operands = [...new Set(e.inputs.flatMap((a) => (a.kind === 'var' ? [a.id] : [])))]
    const union = () => new Set(operands.flatMap((id) => [...reads.get(id)!]))
    let all = union()
    // the smallest operands first (the widest among equals): each stored one reads as one buffer
    const wide = operands
      .filter((id) => reads.get(id)!.size > 1 && fitsBuffer(ctx, shape(id)))
      .sort((a, b) => sizeOf(shape(a)) - sizeOf(shape(b)) || reads.get(b)!.size - reads.get(a)!.size)
    for (const id of wide) {
      if (all.size <= maxBuffers) break
      why.set(
        id,
        `its inline code reads ${reads.get(id)!.size} buffers: stored, so its readers stay within the ${maxBuffers} this backend binds`,
      )
      reads.set(id, own(id))
      all = union()
    }
    for (const o of e.outputs)
      reads.set(o.id, fusionClass(e.prim) === 'loop' || ctx.isHostEqn(e) || stored.has(o.id) ? own(o.id) : all)
  }
  return why
}
