/**
 * Static memory planning: every buffer of a plan gets a byte offset in one linear memory,
 * reusing the space of buffers the plan has freed (first fit, 16-byte aligned). Computed once
 * per plan; a run then only copies inputs in and outputs out.
 */
import { sizeOf } from '../../ir/shape.js'
import type { Plan } from '../../kernel/types.js'

export interface Layout {
  offset: Map<string, number>
  bytes: number
}

const align = (n: number) => Math.ceil(n / 16) * 16

export function layoutPlan(plan: Plan): Layout {
  const size = new Map(plan.buffers.map((b) => [b.name, align(4 * Math.max(1, sizeOf(b.shape)))]))
  const free: { at: number; size: number }[] = []
  const offset = new Map<string, number>()
  let top = 16 // keep address 0 unused
  const alloc = (name: string) => {
    const need = size.get(name)!
    const i = free.findIndex((b) => b.size >= need)
    if (i < 0) {
      offset.set(name, top)
      top += need
      return
    }
    const block = free[i]
    offset.set(name, block.at)
    if (block.size === need) free.splice(i, 1)
    else free[i] = { at: block.at + need, size: block.size - need }
  }
  const release = (name: string) => {
    const at = offset.get(name)!
    free.push({ at, size: size.get(name)! })
    free.sort((a, b) => a.at - b.at)
    // coalesce neighbours
    for (let i = free.length - 2; i >= 0; i--)
      if (free[i].at + free[i].size === free[i + 1].at)
        free.splice(i, 2, { at: free[i].at, size: free[i].size + free[i + 1].size })
  }
  for (const b of plan.buffers) if (b.role === 'input') alloc(b.name)
  for (const s of plan.steps) {
    if (s.k === 'launch') alloc(s.kernel.out.buf)
    else if (s.k === 'host') alloc(s.out)
    else release(s.buf)
  }
  return { offset, bytes: top }
}
