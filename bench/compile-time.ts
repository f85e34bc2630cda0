/**
 * Compile time: for each program, the time to specialize it (frontend, autodiff, simplification)
 * and to lower it for each backend (fusion), with its size (equations) and its plan (kernels).
 *   npx drift run bench/compile-time.ts
 * prints a markdown table (docs/compiler.md keeps one, with the date and machine).
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { specialize, type ArgSpec, type FnRef } from '../compiler/frontend/specialize.js'
import { formatDiagnostic } from '../compiler/frontend/diagnostics.js'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { backendNamed, type BackendName } from '../compiler/backend/index.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const T = (shape: number[]): ArgSpec => ({ tag: 'tensor', aval: { shape, dtype: 'f32' } })
const S = (value: number): ArgSpec => ({ tag: 'static', value })
const layer = (i: number, o: number): ArgSpec => ({
  tag: 'object',
  fields: [
    ['w', T([i, o])],
    ['b', T([o])],
  ],
})
const mlp = (sizes: number[]): ArgSpec => ({ tag: 'array', items: sizes.slice(1).map((o, k) => layer(sizes[k], o)) })
const adam = (sizes: number[]): ArgSpec => ({
  tag: 'object',
  fields: [
    ['step', T([])],
    ['m', mlp(sizes)],
    ['v', mlp(sizes)],
  ],
})
const TOY = [32, 256, 256, 256, 2]

const PROGRAMS: { name: string; ref: FnRef; args: ArgSpec[] }[] = [
  {
    name: 'paperField, N = 2048, D = 64',
    ref: { file: 'stdlib/fields/paper.ts', exportName: 'paperField' },
    args: [T([2048, 64]), T([2048, 64]), T([2048, 64]), T([])],
  },
  {
    name: 'driftLoss, B = 32, Cg = Cp = 64, Cn = 16, S = 64',
    ref: { file: 'stdlib/fields/driftLoss.ts', exportName: 'driftLoss' },
    args: [T([32, 64, 64]), T([32, 16, 64]), T([32, 64, 64]), T([32])],
  },
  {
    name: 'sinkhornField, N = 256, T = 20',
    ref: { file: 'stdlib/fields/sinkhorn.ts', exportName: 'sinkhornField' },
    args: [T([256, 2]), T([256, 2]), T([256, 2]), T([]), S(20)],
  },
  {
    name: 'toy training step (MLP 32-256-256-256-2, batch 2048)',
    ref: { file: 'stdlib/toy2d/step.ts', exportName: 'trainStep' },
    args: [
      mlp(TOY),
      adam(TOY),
      T([2048, 32]),
      T([2048, 2]),
      T([]),
      T([]),
      { tag: 'fn', ref: { file: path.join(ROOT, 'stdlib/fields/paper.ts'), exportName: 'paperField' } },
    ],
  },
]
const BACKENDS: BackendName[] = ['wasm', 'cpu']

const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(2)
const rows = [
  '| program | equations | specialize | ' + BACKENDS.map((b) => `lower for ${b} (kernels)`).join(' | ') + ' |',
]
rows.push(`|---|---|---|${BACKENDS.map(() => '---|').join('')}`)
for (const p of PROGRAMS) {
  const t0 = performance.now()
  const r = specialize({ ...p.ref, file: path.join(ROOT, p.ref.file) }, p.args)
  if (r._tag === 'Left') throw new Error(r.left.map((d) => formatDiagnostic(d)).join('\n'))
  const spec = seconds(t0)
  const lowered = BACKENDS.map((b) => {
    const t1 = performance.now()
    const { plan } = lowerGraph(r.right.graph, {}, backendNamed(b).limits!())
    return `${seconds(t1)} s (${plan.steps.filter((s) => s.k === 'launch').length})`
  })
  rows.push(`| ${p.name} | ${r.right.graph.eqns.length} | ${spec} s | ${lowered.join(' | ')} |`)
  console.error(rows[rows.length - 1])
}
console.log(rows.join('\n'))
