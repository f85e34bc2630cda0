/**
 * The plan: one step per group of stored variables (a kernel launch, or a host step for a random
 * draw), in an order that runs, each intermediate freed after its last reader, and where every
 * output of the graph is found.
 */
import type { Eqn } from '../ir/types.js'
import type { BufferInfo, HostInput, Plan, Step } from '../kernel/types.js'
import type { Placement } from './buildKernel.js'
import { groupKernel, groupName, placeGroups, type FusionContext } from './context.js'
import { loopTrips } from '../kernel/analyze.js'
import type { Decision } from './decide.js'

export interface Lowered {
  plan: Plan
  /** Why each intermediate was materialized or recomputed (for --explain). */
  explain: string[]
}

export function emitPlan(ctx: FusionContext, groups: number[][], decision: Decision): Lowered {
  const { varOf, producer, nameOf, outputVars, maxBuffers, base } = ctx
  const final = placeGroups(ctx, groups)
  const buffers: BufferInfo[] = [...ctx.inputBuffers]
  const explain = [...decision.recomputed]
  const steps: Step[] = []
  for (const g of groups) {
    const v = varOf.get(g[0])!
    const name = groupName(ctx, g)
    const reason = g.map((id) => `${nameOf(varOf.get(id)!)}: ${decision.why.get(id)}`).join('; ')
    const e = producer.get(v.id)!
    const step: Step = ctx.isHostEqn(e) ? hostStep(e, final, name) : { k: 'launch', kernel: groupKernel(ctx, g, final) }
    const shape = step.k === 'launch' ? step.kernel.out.shape : v.shape
    buffers.push({ name, shape, dtype: v.dtype, role: outputVars.has(v.id) ? 'output' : 'intermediate', reason })
    for (const id of g)
      explain.push(
        `${nameOf(varOf.get(id)!)}: materialized (${decision.why.get(id)})${g.length > 1 ? `, slot ${g.indexOf(id)} of ${name}` : ''}`,
      )
    steps.push(step)
  }
  const maxElements = ctx.limits.maxBufferElements ?? Infinity
  const maxTrips = ctx.limits.maxThreadIterations ?? Infinity
  for (const st of steps) {
    if (st.k !== 'launch') continue
    if (st.kernel.buffers.length > maxBuffers)
      throw new Error(
        `fusion: kernel ${st.kernel.name} reads ${st.kernel.buffers.length} buffers, more than the ${maxBuffers} this backend binds; store fewer intermediates (hint(x, 'inline')) or run on wasm`,
      )
    const written = st.kernel.out.shape.reduce((a, b) => a * b, 1)
    if (written > maxElements)
      throw new Error(
        `fusion: kernel ${st.kernel.name} writes ${written} elements, more than the ${maxElements} one buffer holds on this backend; run smaller batches or on wasm`,
      )
    const trips = loopTrips(st.kernel.body)
    if (trips > maxTrips)
      throw new Error(
        `fusion: kernel ${st.kernel.name} runs ${trips} loop iterations per thread, more than the ${maxTrips} this backend's device runs before it stops a thread's loops; run smaller sizes or on another backend`,
      )
  }
  insertFrees(steps, buffers)
  const outputs: Plan['outputs'] = ctx.graph.outputs.map((a) =>
    a.kind === 'lit'
      ? { k: 'literal', value: a.value, dtype: a.dtype }
      : base.scalars.has(a.id)
        ? { k: 'scalar', name: base.scalars.get(a.id)! }
        : { k: 'buffer', buf: final.buffers.get(a.id)!.buf },
  )
  return { plan: { buffers, scalars: ctx.scalars, steps, outputs }, explain }
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
