/**
 * `drift inspect <file.ts> --fn NAME --shapes x=64x2,… [--static n=3] [--fn-arg f=file.ts:name] --dump ir`.
 * The compiler loads only what a dump needs (the frontend always; fusion and a backend for plans),
 * so a call spends its time on the program, not on start-up.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Node, SourceFile } from 'ts-morph'
import type { ArgSpec } from '../frontend/specialize.js'
import type { Graph } from '../ir/types.js'
import { UsageError, parseAssignments, specFor } from './shapes.js'

export const DUMPS = ['ir', 'grad', 'kernels', 'wasm', 'js', 'wgsl', 'glsl'] as const

export interface InspectArgs {
  file: string
  fn: string
  shapes?: string
  static?: string
  /** Function-valued parameters: `field=path/to/file.ts:exportName`, comma-separated. */
  fnArgs?: string
  /** Parameters to differentiate with respect to, for --dump grad (default: the first). */
  wrt?: string
  /** Say why each intermediate buffer exists (with --dump kernels). */
  explain?: boolean
  /** The backend whose plan --dump kernels shows (default: the one `drift run` would use). */
  backend?: string
  dump: string
}

export interface Entry {
  file: string
  specs: ArgSpec[]
  names: string[]
}

const SCALAR_TYPES = /^(number|f32|i32|boolean)$/

type Param = Node & { getName(): string; getTypeNode(): Node | undefined }

/** Does a parameter's declared type name a function type (written inline, or a type alias here or imported)? */
async function takesFunction(type: Node | undefined): Promise<boolean> {
  const { Node } = await import('../frontend/tsMorph.js')
  if (!type) return false
  if (Node.isFunctionTypeNode(type)) return true
  if (!Node.isTypeReference(type)) return false
  const name = type.getTypeName().getText()
  const sf = type.getSourceFile()
  const aliasIn = (file: SourceFile, n: string) => file.getTypeAlias(n)?.getTypeNode()
  let alias = aliasIn(sf, name)
  if (!alias) {
    const { loadSourceFile, resolveImport } = await import('../frontend/project.js')
    for (const imp of sf.getImportDeclarations()) {
      const named = imp.getNamedImports().find((n) => (n.getAliasNode()?.getText() ?? n.getName()) === name)
      if (!named) continue
      const r = resolveImport(sf.getFilePath(), imp.getModuleSpecifierValue())
      if (r.kind === 'file') alias = aliasIn(loadSourceFile(r.file), named.getName())
    }
  }
  return alias !== undefined && Node.isFunctionTypeNode(alias)
}

/** The specs of --fn-arg: each a DSL function named by a file reference (from the working folder). */
async function functionArgs(text: string | undefined): Promise<Map<string, ArgSpec>> {
  const { parseFileReference } = await import('../runtime/fileReference.js')
  const out = new Map<string, ArgSpec>()
  for (const [name, ref] of parseAssignments(text, '--fn-arg'))
    out.set(name, { tag: 'fn', ref: parseFileReference(ref, process.cwd(), `--fn-arg ${name}`) })
  return out
}

/**
 * The entry point named by --fn in a file, and argument specs from --shapes, --static and
 * --fn-arg. A file without that DSL function gets the frontend's own diagnostic (D301).
 */
export async function resolveEntry(a: {
  file: string
  fn: string
  shapes?: string
  static?: string
  fnArgs?: string
}): Promise<Entry> {
  const file = path.resolve(a.file)
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`no such file: ${a.file}`)
  const { loadSourceFile } = await import('../frontend/project.js')
  const { findEntry } = await import('../frontend/specialize.js')
  const sf = loadSourceFile(file)
  const params = (findEntry(sf, { file, exportName: a.fn }).fn as Node & { getParameters(): Param[] }).getParameters()
  const shapes = parseAssignments(a.shapes, '--shapes')
  const statics = parseAssignments(a.static, '--static')
  const fns = await functionArgs(a.fnArgs)
  const names = params.map((p) => p.getName())
  const known = new Set(names)
  for (const k of [...shapes.keys(), ...statics.keys(), ...fns.keys()])
    if (!known.has(k.split('.')[0]))
      throw new UsageError(`'${a.fn}' has no parameter '${k.split('.')[0]}'; its parameters are ${names.join(', ')}`)
  const specs: ArgSpec[] = []
  for (const [i, p] of params.entries()) {
    const typeNode = p.getTypeNode()
    const type = typeNode?.getText() ?? ''
    const s = fns.get(names[i]) ?? specFor(names[i], shapes, statics, SCALAR_TYPES.test(type))
    if (s) {
      specs.push(s)
      continue
    }
    const shown = `parameter '${names[i]}'${type ? ` (${type})` : ''}`
    throw new UsageError(
      (await takesFunction(typeNode))
        ? `${shown} takes a function: add --fn-arg ${names[i]}=path/to/file.ts:exportName (a DSL function of that file)`
        : `no shape for ${shown}: add ${names[i]}=<rows>x<cols> to --shapes (or --fn-arg ${names[i]}=path/to/file.ts:exportName for a function)`,
    )
  }
  return { file, specs, names }
}

/** The graph of an entry, specialized (and differentiated, for --dump grad). */
async function specialized(a: InspectArgs, e: Entry): Promise<{ graph: Graph; files: string[] }> {
  const wrt = (a.wrt ?? e.names[0]).split(',').map((n) => {
    const i = e.names.indexOf(n.trim())
    if (i < 0)
      throw new UsageError(`--wrt '${n}' is not a parameter of '${a.fn}'; its parameters are ${e.names.join(', ')}`)
    return i
  })
  const transform = a.dump === 'grad' ? { kind: 'valueAndGrad' as const, argnums: wrt } : undefined
  const { specialize } = await import('../frontend/specialize.js')
  const { DiagnosticError } = await import('../frontend/diagnostics.js')
  const r = specialize({ file: e.file, exportName: a.fn, transform }, e.specs)
  if (r._tag === 'Left') throw new DiagnosticError(r.left[0], ...r.left.slice(1))
  return { graph: r.right.graph, files: r.right.files }
}

/** The backend whose plan --dump kernels shows: --backend, else DRIFT_BACKEND, else auto (as `drift run` chooses). */
async function backendFor(a: InspectArgs) {
  const { BACKENDS, currentBackend, setBackend } = await import('../runtime/backend.js')
  if (a.backend !== undefined) {
    if (!(BACKENDS as readonly string[]).includes(a.backend))
      throw new UsageError(`unknown backend '${a.backend}': choose one of ${BACKENDS.join(', ')}`)
    setBackend(a.backend)
  }
  const { backendNamed } = await import('../backend/index.js')
  return backendNamed(a.dump === 'wasm' ? 'wasm' : currentBackend())
}

async function dumpPlan(a: InspectArgs, graph: Graph, out: (s: string) => void): Promise<void> {
  const backend = await backendFor(a)
  if (!backend.limits) {
    out(`# the ${backend.name} backend runs the L1 graph itself, without kernels: --dump ir shows it`)
    return
  }
  const { lowerGraph } = await import('../fusion/lower.js')
  const { printPlan } = await import('../kernel/print.js')
  const { plan, explain } = lowerGraph(graph, {}, backend.limits())
  out(`# the plan the ${backend.name} backend runs`)
  out(printPlan(plan, { code: true }))
  if (backend.kernelCode) out(backend.kernelCode(plan))
  if (a.explain) out(['', 'why:', ...explain.map((l) => `  ${l}`)].join('\n'))
}

/** The webgpu backend's plan under this machine's adapter (else WebGPU's default limits) and its WGSL. */
async function dumpWGSL(a: InspectArgs, graph: Graph, out: (s: string) => void): Promise<void> {
  const { lowerGraph } = await import('../fusion/lower.js')
  const { printPlan } = await import('../kernel/print.js')
  const { inspectLimits, planWGSL } = await import('../backend/webgpu/index.js')
  const { webgpuLimits } = await import('../backend/webgpu/limits.js')
  const { limits, where } = inspectLimits()
  const { plan, explain } = lowerGraph(graph, {}, webgpuLimits(limits))
  out(`// webgpu plan and WGSL for ${where}`)
  out(printPlan(plan))
  out(planWGSL(plan, limits))
  if (a.explain) out(['', 'why:', ...explain.map((l) => `  ${l}`)].join('\n'))
}

/** gpu.js's kernel sources and their GLSL translations, for the plan gpu.js lowers. */
async function dumpGpujs(a: InspectArgs, graph: Graph, out: (s: string) => void): Promise<void> {
  const { lowerGraph } = await import('../fusion/lower.js')
  const { emitKernel } = await import('../backend/gpujs/emit.js')
  const { toGLSL } = await import('../backend/gpujs/translate.js')
  const { plan } = lowerGraph(graph)
  const sizes = new Map(plan.buffers.map((b) => [b.name, b.shape.reduce((x, y) => x * y, 1)]))
  const kernels = plan.steps.flatMap((s) => (s.k === 'launch' ? [s.kernel] : []))
  for (const k of kernels)
    if (a.dump === 'js') out(`// ${k.name}: gpu.js kernel source, output ${JSON.stringify(k.grid)}\n${emitKernel(k)}\n`)
    else
      out(
        `// ${k.name}: GLSL ES 3.00 kernel body as gpu.js translates it (WebGL2; gpu.js adds its texture prelude)\n${toGLSL(k, (b) => sizes.get(b) ?? 1)}\n`,
      )
}

/** Print the dump; returns the source files the program was compiled from (what --watch watches). */
export async function inspect(a: InspectArgs, out: (s: string) => void): Promise<string[]> {
  if (!(DUMPS as readonly string[]).includes(a.dump))
    throw new UsageError(`unknown --dump '${a.dump}': choose one of ${DUMPS.join(', ')}`)
  const entry = await resolveEntry(a)
  const { graph, files } = await specialized(a, entry)
  if (a.dump === 'ir' || a.dump === 'grad') {
    const { printGraph } = await import('../ir/print.js')
    const { structuralHash } = await import('../ir/hash.js')
    out(printGraph(graph))
    out(`# ${graph.eqns.length} equations, structural hash ${structuralHash(graph)}`)
  } else if (a.dump === 'kernels' || a.dump === 'wasm') await dumpPlan(a, graph, out)
  else if (a.dump === 'wgsl') await dumpWGSL(a, graph, out)
  else await dumpGpujs(a, graph, out)
  return files
}
