/** What the paperField benchmarks share: sizes from the command line, inputs, specialization, timing. */
import { specialize, type Specialized } from '../compiler/frontend/specialize.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { backendNamed, type BackendName } from '../compiler/backend/index.js'
import { lowerGraph } from '../compiler/fusion/lower.js'

/** `N:D` arguments, or the defaults. */
export const sizesFrom = (args: string[], defaults: string[]): number[][] =>
  (args.length ? args : defaults).map((s) => s.split(':').map(Number))

/** Deterministic points, x = pos and neg drawn with different phases, τ = 0.05: the inputs of paperField. */
export function fieldInputs(n: number, d: number): NDArray[] {
  const points = (phase: number): NDArray => ({
    shape: [n, d],
    dtype: 'f32',
    data: Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 0.37 + phase)),
  })
  return [points(0), points(1), points(2), { shape: [], dtype: 'f32', data: Float32Array.of(0.05) }]
}

/** paperField specialized to x, pos, neg of shape [n, d]. */
export function paperFieldFor(n: number, d: number): Specialized {
  const tensor = (shape: number[]) => ({ tag: 'tensor' as const, aval: { shape, dtype: 'f32' as const } })
  const r = specialize(
    { file: new URL('../stdlib/fields/paper.ts', import.meta.url).pathname, exportName: 'paperField' },
    [tensor([n, d]), tensor([n, d]), tensor([n, d]), tensor([])],
  )
  if (r._tag === 'Left') throw new Error(r.left.map((x) => x.message).join('\n'))
  return r.right
}

/** Median milliseconds of `runs` calls after one warm-up. */
export async function median(f: () => Promise<unknown>, runs = 5): Promise<number> {
  await f()
  const t: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await f()
    t.push(performance.now() - t0)
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)]
}

/** One end-to-end call of a specialization on a backend by name, lowered once under its limits. */
export function runnerOn(name: BackendName, s: Specialized): (inputs: NDArray[]) => Promise<NDArray[]> {
  const backend = backendNamed(name)
  const plan = backend.limits ? lowerGraph(s.graph, {}, backend.limits()).plan : undefined
  return (inputs) => backend.run({ graph: s.graph, plan }, inputs)
}
