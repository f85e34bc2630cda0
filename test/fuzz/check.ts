/**
 * One fuzz program through the real frontend and every backend that runs here (the interpreter in
 * float32, drift's wasm kernels, gpu.js cpu and webasm), each against the float64 reference on
 * seeded inputs. Float outputs agree element by element within 32 float32 ulps, above a floor of
 * 64·√L float32 roundings of max(1, the output's largest element), L the longest chain of terms
 * behind the output (values are of order one by construction, so cancellation to small outputs
 * carries the rounding of order-one terms). Runs outside vitest too (the fuzz command).
 */
import fs from 'node:fs'
import path from 'node:path'
import { specialize, type ArgSpec } from '../../compiler/frontend/specialize.js'
import { formatDiagnostic } from '../../compiler/frontend/diagnostics.js'
import { interpret } from '../../compiler/ir/interpret.js'
import type { NDArray } from '../../compiler/ir/ndarray.js'
import { primitive } from '../../compiler/ir/primitive.js'
import { avalOf, type Atom, type Graph } from '../../compiler/ir/types.js'
import { lowerGraph } from '../../compiler/fusion/lower.js'
import { WasmRuntime, WASM_LIMITS } from '../../compiler/backend/wasm/run.js'
import { GpujsRuntime, limitsFor } from '../../compiler/backend/gpujs/run.js'
import { rng, type Program } from './generate.js'

export const FUZZ_BACKENDS = ['interpreter', 'wasm', 'cpu', 'webasm'] as const
type FuzzBackend = (typeof FUZZ_BACKENDS)[number]

const EPS32 = 2 ** -23

/** The runtimes, made once per process: kernels of equal source are built once. */
export function makeRuntimes(): Record<FuzzBackend, (g: Graph, ins: NDArray[]) => Promise<NDArray[]>> {
  const wasm = new WasmRuntime()
  const cpu = new GpujsRuntime('cpu')
  const webasm = new GpujsRuntime('webasm')
  return {
    interpreter: async (g, ins) => interpret(g, ins, 'f32'),
    wasm: async (g, ins) => wasm.run(lowerGraph(g, {}, WASM_LIMITS).plan, ins),
    cpu: (g, ins) => cpu.runAsync(lowerGraph(g, {}, limitsFor('cpu')).plan, ins),
    webasm: (g, ins) => webasm.runAsync(lowerGraph(g, {}, limitsFor('webasm')).plan, ins),
  }
}

/** Per output, the longest chain of terms any element sums or folds over (as test/tolerance.ts). */
function accumulationLengths(graph: Graph): number[] {
  const longest = new Map<number, number>()
  const of = (a: Atom) => (a.kind === 'var' ? (longest.get(a.id) ?? 1) : 1)
  for (const e of graph.eqns) {
    const terms = primitive(e.prim).terms?.(e.inputs.map(avalOf), e.params) ?? 1
    const n = Math.max(terms, ...e.inputs.map(of))
    for (const o of e.outputs) longest.set(o.id, n)
  }
  return graph.outputs.map(of)
}

/** Why `got` is not within the bound of `want`, or undefined. */
function mismatch(got: NDArray, want: NDArray, L: number): string | undefined {
  if (got.shape.join() !== want.shape.join()) return `shape [${got.shape}], want [${want.shape}]`
  let big = 1
  for (const w of want.data) big = Math.max(big, Math.abs(w))
  const [rtol, atol] = [32 * EPS32, 64 * Math.sqrt(L) * EPS32 * big]
  for (let i = 0; i < want.data.length; i++) {
    const [g, w] = [got.data[i], want.data[i]]
    if (!Number.isFinite(w)) return `the reference gives ${w} at element ${i} (the generator must keep values finite)`
    const bound = rtol * Math.abs(w) + atol
    if (!(Math.abs(g - w) <= bound)) return `element ${i}: got ${g}, want ${w}, |got − want| > ${bound}`
  }
  return undefined
}

/** Standard-normal inputs of these shapes, rounded to float32, from the program's seed. */
function inputsFor(p: Program): NDArray[] {
  const r = rng(p.seed ^ 0x5bd1e995)
  return p.shapes.map((shape) => {
    const n = shape[0] * shape[1]
    const data = Float64Array.from({ length: n }, () =>
      Math.fround(Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())),
    )
    return { shape, dtype: 'f32', data }
  })
}

/** The failures of program `p` (written into `dir`), each one line naming the backend; [] when all agree. */
export async function checkProgram(
  p: Program,
  dir: string,
  runtimes: ReturnType<typeof makeRuntimes>,
): Promise<string[]> {
  const file = path.join(dir, `program-${p.seed}.ts`)
  fs.writeFileSync(file, p.source)
  const args: ArgSpec[] = p.shapes.map((shape) => ({ tag: 'tensor', aval: { shape, dtype: 'f32' } }))
  const r = specialize({ file, exportName: 'program' }, args)
  if (r._tag === 'Left') return [`the frontend rejects it: ${r.left.map((d) => formatDiagnostic(d)).join(' / ')}`]
  const { graph } = r.right
  const ins = inputsFor(p)
  const want = interpret(graph, ins, 'f64')
  const lengths = accumulationLengths(graph)
  const failures: string[] = []
  for (const backend of FUZZ_BACKENDS) {
    try {
      const got = await runtimes[backend](graph, ins)
      want.forEach((w, i) => {
        const m = got[i] ? mismatch(got[i], w, lengths[i]) : 'missing'
        if (m) failures.push(`${backend}, output ${i} (L = ${lengths[i]}): ${m}`)
      })
    } catch (e) {
      failures.push(`${backend}: ${(e as Error).message.split('\n')[0]}`)
    }
  }
  return failures
}

/** A failure report: the seed, how to replay it, the failures and the program source. */
export const report = (p: Program, failures: string[]): string =>
  [
    `fuzz program of seed ${p.seed} fails (replay: npm run fuzz -- --programs 1 --seed ${p.seed}):`,
    ...failures.map((f) => `  ${f}`),
    p.source,
  ].join('\n')
