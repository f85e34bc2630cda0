/** The L1 reference interpreter in float32, as a backend: it runs the graph itself, with no plan. */
import { interpret } from '../../ir/interpret.js'
import type { Backend } from '../backend.js'

export const interpreterBackend: Backend = {
  name: 'interpreter',
  run: async ({ graph }, inputs) => interpret(graph, inputs, 'f32'),
}
