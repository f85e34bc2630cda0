/** The memory a plan holds at once: its inputs, then every buffer a step writes until a step frees it. */
import { HOST_MEMORY_LIMIT, bufferBytes, checkMemory } from '../ir/memory.js'
import type { BufferInfo, Plan } from './types.js'

/** The most bytes of float32 buffers (bool and i32 included, as a device stores them) live at once. */
export function planPeakBytes(plan: Plan): { peak: number; largest: BufferInfo | undefined } {
  const info = new Map(plan.buffers.map((b) => [b.name, b]))
  const bytes = (name: string) => (info.has(name) ? bufferBytes({ ...info.get(name)!, dtype: 'f32' }, 'f32') : 0)
  let live = plan.buffers.filter((b) => b.role === 'input').reduce((s, b) => s + bytes(b.name), 0)
  let peak = live
  for (const step of plan.steps) {
    if (step.k === 'free') live -= bytes(step.buf)
    else live += bytes(step.k === 'launch' ? step.kernel.out.buf : step.out)
    peak = Math.max(peak, live)
  }
  const largest = plan.buffers.reduce<BufferInfo | undefined>(
    (a, b) => (!a || bytes(b.name) > bytes(a.name) ? b : a),
    undefined,
  )
  return { peak, largest }
}

/**
 * Throws a MemoryLimitError when the plan would hold more than `limit` bytes at once on `backend`
 * (`bytes`: what the backend's own layout takes, when it knows better than the plan's peak).
 */
export function checkPlanMemory(plan: Plan, backend: string, limit = HOST_MEMORY_LIMIT, bytes?: number): void {
  const { peak, largest } = planPeakBytes(plan)
  if (largest) checkMemory(backend, bytes ?? peak, limit, { ...largest, name: `buffer ${largest.name}` }, 'f32')
}
