/**
 * A concatenation of more tensors than a kernel binds (the 28 per-key losses of the image
 * pipeline's step, on a backend that binds 15 buffers a kernel) becomes a tree of concatenations
 * of at most `maxOperands` each. The inner ones must be stored: recomputed inside the outer one,
 * its kernel would read every operand again.
 */
import type { Atom, Graph } from '../ir/types.js'
import { rewriteEach } from './rewrite.js'

/** The graph with every wide concat in a tree, and the ids of the inner concats (to be stored). */
export function narrowConcats(g: Graph, maxOperands: number): { graph: Graph; parts: Set<number> } {
  const parts = new Set<number>()
  if (maxOperands < 2) throw new Error(`internal: narrowConcats needs at least 2 operands a kernel, got ${maxOperands}`)
  const { graph } = rewriteEach(g, (e, { emit, emitInto }) => {
    if (e.prim !== 'concat' || e.inputs.length <= maxOperands) return false
    let level: Atom[] = e.inputs
    while (level.length > maxOperands) {
      const next: Atom[] = []
      for (let i = 0; i < level.length; i += maxOperands) {
        const chunk = level.slice(i, i + maxOperands)
        if (chunk.length === 1) next.push(chunk[0])
        else {
          const part = emit('concat', chunk, e.params)
          parts.add(part.id)
          next.push(part)
        }
      }
      level = next
    }
    emitInto(e.outputs[0], 'concat', level, e.params)
    return true
  })
  return { graph, parts }
}
