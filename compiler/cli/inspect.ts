/** `drift inspect <file.ts> --fn NAME --shapes x=64x2,… [--static n=3] --dump ir`. */
import fs from 'node:fs'
import path from 'node:path'
import { Node } from 'ts-morph'
import { findEntry, listEntries, specialize, type ArgSpec } from '../frontend/specialize.js'
import { DiagnosticError, formatDiagnostic } from '../frontend/diagnostics.js'
import { loadSourceFile } from '../frontend/project.js'
import { printGraph } from '../ir/print.js'
import { structuralHash } from '../ir/hash.js'
import { UsageError, parseAssignments, specFor } from './shapes.js'
import { lowerGraph } from '../fusion/lower.js'
import { compileKernel } from '../backend/wasm/codegen.js'
import { wasmLimits } from '../backend/wasm/run.js'
import { printPlan } from '../kernel/print.js'
import { emitKernel } from '../backend/gpujs/emit.js'
import { toGLSL } from '../backend/gpujs/translate.js'
import { inspectLimits, planWGSL } from '../backend/webgpu/index.js'
import { webgpuLimits } from '../backend/webgpu/limits.js'

export const DUMPS = ['ir', 'grad', 'kernels', 'wasm', 'js', 'wgsl', 'glsl'] as const

export interface InspectArgs {
  file: string
  fn: string
  shapes?: string
  static?: string
  /** Parameters to differentiate with respect to, for --dump grad (default: the first). */
  wrt?: string
  /** Say why each intermediate buffer exists (with --dump kernels). */
  explain?: boolean
  dump: string
}

const SCALAR_TYPES = /^(number|f32|i32|boolean)$/

/** The entry point named by --fn in a file, and argument specs from --shapes / --static. */
export function resolveEntry(a: { file: string; fn: string; shapes?: string; static?: string }): {
  file: string
  specs: ArgSpec[]
  names: string[]
} {
  const file = path.resolve(a.file)
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`no such file: ${a.file}`)
  const sf = loadSourceFile(file)
  let fn: Node
  try {
    fn = findEntry(sf, { file, exportName: a.fn }).fn
  } catch (e) {
    if (e instanceof DiagnosticError)
      throw new UsageError(
        `${a.file} has no DSL function '${a.fn}'; it defines: ${listEntries(sf).join(', ') || 'none'}`,
      )
    throw e
  }
  const shapes = parseAssignments(a.shapes, '--shapes')
  const statics = parseAssignments(a.static, '--static')
  const params = (fn as Node & { getParameters(): Node[] }).getParameters()
  const names = params.map((p) => (p as Node & { getName(): string }).getName())
  const known = new Set(names)
  for (const k of [...shapes.keys(), ...statics.keys()])
    if (!known.has(k.split('.')[0]))
      throw new UsageError(`'${a.fn}' has no parameter '${k.split('.')[0]}'; its parameters are ${names.join(', ')}`)
  const specs: ArgSpec[] = params.map((p, i) => {
    const type = (p as Node & { getTypeNode(): Node | undefined }).getTypeNode()?.getText() ?? ''
    const s = specFor(names[i], shapes, statics, SCALAR_TYPES.test(type))
    if (!s)
      throw new UsageError(
        `no shape for parameter '${names[i]}'${type ? ` (${type})` : ''}: add ${names[i]}=<rows>x<cols> to --shapes`,
      )
    return s
  })
  return { file, specs, names }
}

export function inspect(a: InspectArgs, out: (s: string) => void): void {
  if (!(DUMPS as readonly string[]).includes(a.dump))
    throw new UsageError(`unknown --dump '${a.dump}': choose one of ${DUMPS.join(', ')}`)
  const { file, specs, names } = resolveEntry(a)
  const wrt = (a.wrt ?? names[0]).split(',').map((n) => {
    const i = names.indexOf(n.trim())
    if (i < 0)
      throw new UsageError(`--wrt '${n}' is not a parameter of '${a.fn}'; its parameters are ${names.join(', ')}`)
    return i
  })
  const transform = a.dump === 'grad' ? { kind: 'valueAndGrad' as const, argnums: wrt } : undefined
  const r = specialize({ file, exportName: a.fn, transform }, specs)
  if (r._tag === 'Left') throw new UsageError(r.left.map((d) => formatDiagnostic(d)).join('\n'))
  const graph = r.right.graph
  if (a.dump === 'ir' || a.dump === 'grad') {
    out(printGraph(graph))
    out(`# ${graph.eqns.length} equations, structural hash ${structuralHash(graph)}`)
    return
  }
  if (a.dump === 'wasm') {
    // the plan lowered for the wasm backend, and how each kernel is tiled
    const { plan, explain } = lowerGraph(graph, {}, wasmLimits())
    const sizes = new Map(plan.buffers.map((b) => [b.name, b.shape.reduce((x, y) => x * y, 1)]))
    out(printPlan(plan, { code: true }))
    for (const s of plan.steps)
      if (s.k === 'launch') {
        const { tile, bytes } = compileKernel(s.kernel, sizes)
        const lanes = tile.vec ? `f32x4 along ${tile.axis}` : 'scalar'
        out(
          `// ${s.kernel.name}: tiles of ${tile.rows} row group(s) × ${tile.cols} column group(s), ${lanes}; ${bytes.length} bytes of WebAssembly`,
        )
      }
    if (a.explain) out(['', 'why:', ...explain.map((l) => `  ${l}`)].join('\n'))
    return
  }
  if (a.dump === 'wgsl') {
    // the plan lowered for the webgpu backend under this machine's adapter (or WebGPU's defaults), and its WGSL
    const { limits, where } = inspectLimits()
    const { plan, explain } = lowerGraph(graph, {}, webgpuLimits(limits))
    out(`// webgpu plan and WGSL for ${where}`)
    out(printPlan(plan))
    out(planWGSL(plan, limits))
    if (a.explain) out(['', 'why:', ...explain.map((l) => `  ${l}`)].join('\n'))
    return
  }
  const { plan, explain } = lowerGraph(graph)
  const sizes = new Map(plan.buffers.map((b) => [b.name, b.shape.reduce((x, y) => x * y, 1)]))
  const kernels = plan.steps.flatMap((s) => (s.k === 'launch' ? [s.kernel] : []))
  if (a.dump === 'kernels') {
    out(printPlan(plan, { code: true }))
    if (a.explain) out(['', 'why:', ...explain.map((l) => `  ${l}`)].join('\n'))
  } else if (a.dump === 'js')
    for (const k of kernels)
      out(`// ${k.name}: gpu.js kernel source, output ${JSON.stringify(k.grid)}\n${emitKernel(k)}\n`)
  else
    for (const k of kernels)
      out(
        `// ${k.name}: GLSL ES 3.00 kernel body as gpu.js translates it (WebGL2; gpu.js adds its texture prelude)\n${toGLSL(k, (b) => sizes.get(b) ?? 1)}\n`,
      )
}
