/** A structural hash of a graph: equal for graphs that differ only in names and source locations. */
import { createHash } from 'node:crypto'
import type { Graph } from './types.js'
import { printGraph } from './print.js'

export function structuralHash(graph: Graph): string {
  const anonymous: Graph = { ...graph, inputNames: graph.inputs.map((_, i) => `in${i}`) }
  return createHash('sha256')
    .update(printGraph(anonymous, { locations: false }))
    .digest('hex')
    .slice(0, 16)
}
