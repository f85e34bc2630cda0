/** Text form of a plan (`drift inspect --dump kernels`): steps, buffers and each kernel's code. */
import type { Plan } from './types.js'
import { showLoc } from '../ir/print.js'
import { showShape } from '../ir/shape.js'
import { emitKernel } from '../backend/gpujs/emit.js'

export function printPlan(plan: Plan, opts: { code?: boolean } = {}): string {
  const out: string[] = []
  const kernels = plan.steps.filter((s) => s.k === 'launch').length
  out.push(
    `plan: ${kernels} kernel(s), ${plan.steps.filter((s) => s.k === 'host').length} host step(s), ${plan.buffers.filter((b) => b.role === 'intermediate').length} intermediate buffer(s)`,
  )
  for (const b of plan.buffers)
    out.push(
      `  buffer ${b.name}: ${b.dtype}${showShape(b.shape)}  ${b.role}${b.role === 'input' ? '' : ` (${b.reason})`}`,
    )
  for (const s of plan.scalars) out.push(`  scalar ${s.name}: f32 argument`)
  out.push('steps:')
  for (const s of plan.steps) {
    if (s.k === 'free') out.push(`  free ${s.buf}`)
    else if (s.k === 'host')
      out.push(
        `  host ${s.out} = ${s.prim}(${s.inputs.map((x) => ('buf' in x ? x.buf : String(x.value))).join(', ')})${s.loc ? `  # ${showLoc(s.loc)}` : ''}`,
      )
    else {
      const k = s.kernel
      const locs = [...new Set(k.fused.filter((f) => f.loc).map((f) => showLoc(f.loc!)))]
      out.push(
        `  launch ${k.name} → ${k.out.buf} ${k.out.dtype}${showShape(k.out.shape)} threads=${showShape(k.threads)} reads(${[...k.buffers, ...k.scalars].join(', ')})`,
      )
      out.push(`    fuses ${k.fused.map((f) => f.prim).join(' ')}`)
      if (locs.length) out.push(`    from ${locs.join(', ')}`)
    }
  }
  out.push(
    `outputs: ${plan.outputs.map((o) => (o.k === 'buffer' ? o.buf : o.k === 'scalar' ? o.name : String(o.value))).join(', ')}`,
  )
  if (opts.code)
    for (const s of plan.steps)
      if (s.k === 'launch')
        out.push(
          '',
          `// ${s.kernel.name}: output ${showShape(s.kernel.out.shape)}, gpu.js output ${showShape(s.kernel.threads)}`,
          emitKernel(s.kernel),
        )
  return out.join('\n')
}
