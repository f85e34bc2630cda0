/**
 * What the playground shows for a field's source: the frontend's diagnostics, or the L1 program,
 * its gradient program (the field's vector-Jacobian product), the fused plan with the reasons for
 * its buffers, and each kernel's code, every kernel line with the source location of the equation
 * it came from. The same compiler calls `drift inspect` makes; this module runs in the page (on
 * sources held in memory) and in Node (the tests).
 */
import type { ArgSpec } from '../compiler/frontend/specialize.js'
import { specialize } from '../compiler/frontend/specialize.js'
import type { Diagnostic } from '../compiler/frontend/diagnostics.js'
import type { Graph, SourceLoc } from '../compiler/ir/types.js'
import { printGraph } from '../compiler/ir/print.js'
import { lowerGraph } from '../compiler/fusion/lower.js'
import type { BackendLimits } from '../compiler/fusion/limits.js'
import { kernelLines, printPlan } from '../compiler/kernel/print.js'
import type { Kernel, Plan } from '../compiler/kernel/types.js'

/** The sizes a field is compiled at: N samples, P positives (the data), points of dimension D; the negatives are the samples. */
export interface FieldSizes {
  n: number
  p: number
  d: number
}

export const PLAYGROUND_SIZES: FieldSizes = { n: 256, p: 256, d: 2 }

const T = (shape: number[]): ArgSpec => ({ tag: 'tensor', aval: { shape, dtype: 'f32' } })

/** The argument specs of a field (x, pos, neg, tau, ...extra) at these sizes. */
export const fieldSpecs = (s: FieldSizes, extra: ArgSpec[] = []): ArgSpec[] => [
  T([s.n, s.d]),
  T([s.p, s.d]),
  T([s.n, s.d]),
  T([]),
  ...extra,
]

/** A line of shown code and the source location it came from (absent for a kernel's own frame). */
export interface CodeLine {
  text: string
  loc?: SourceLoc
}

export interface KernelView {
  name: string
  /** The backend-neutral kernel code, line by line with sources (what `drift inspect --dump kernels` prints). */
  lines: CodeLine[]
  /** The backend's own code of the kernel (its WGSL, or the wasm kernel's summary), with sources where the code generator keeps them. */
  code: CodeLine[]
  /** Every source location fused into the kernel. */
  locs: SourceLoc[]
}

/** A backend's plan for the program: its text, why each buffer exists, the kernels and the backend's own code for them. */
export interface PlanView {
  backend: string
  text: string
  explain: string[]
  kernels: KernelView[]
}

/** A line of a backend's code of a kernel, with the kernel statement's source (an index into the kernel's `fused`) where known. */
export interface BackendLine {
  text: string
  src?: number
}

export type Views =
  | { ok: false; diagnostics: Diagnostic[] }
  | { ok: true; ir: CodeLine[]; grad: CodeLine[] | Diagnostic[]; plan: PlanView }

/** How a plan's kernels become the backend's code: what `drift inspect` prints for that backend. */
export interface PlanBackend {
  name: string
  limits: BackendLimits
  /** Each kernel's code, by kernel name. */
  code(plan: Plan): Map<string, BackendLine[]>
}

/** The printed graph (locations relative to `root`), each equation's line with its location: printGraph writes equation i on line i + 1. */
function irLines(graph: Graph, root: string): CodeLine[] {
  return printGraph(graph, { relativeTo: root })
    .split('\n')
    .map((text, i) => {
      const loc = i >= 1 && i <= graph.eqns.length ? graph.eqns[i - 1].loc : undefined
      return loc ? { text, loc } : { text }
    })
}

/** Lines with sources given as indices into `k.fused`, with those sources' locations. */
const located = (k: Kernel, lines: BackendLine[]): CodeLine[] =>
  lines.map((l) => {
    const loc = l.src === undefined ? undefined : k.fused[l.src]?.loc
    return loc ? { text: l.text, loc } : { text: l.text }
  })

export function kernelView(k: Kernel, code: BackendLine[]): KernelView {
  const locs = k.fused.flatMap((f) => (f.loc ? [f.loc] : []))
  return { name: k.name, lines: located(k, kernelLines(k)), code: located(k, code), locs }
}

export function planView(graph: Graph, backend: PlanBackend): PlanView {
  const { plan, explain } = lowerGraph(graph, {}, backend.limits)
  const code = backend.code(plan)
  const kernels = plan.steps.flatMap((s) =>
    s.k === 'launch' ? [kernelView(s.kernel, code.get(s.kernel.name) ?? [])] : [],
  )
  return { backend: backend.name, text: printPlan(plan), explain, kernels }
}

export interface CompileRequest {
  /** The field's file (an absolute path the source host knows) and the exported DSL function. */
  file: string
  fn: string
  /** The specs of its arguments (fieldSpecs for a field). */
  specs: ArgSpec[]
  backend: PlanBackend
  /** The folder the IR's locations are printed relative to (the package root). */
  root: string
}

/** The views of one compile: diagnostics when the frontend refuses the program, else IR, gradient program and plan. */
export function compileViews(r: CompileRequest): Views {
  const ref = { file: r.file, exportName: r.fn }
  const value = specialize(ref, r.specs)
  if (value._tag === 'Left') return { ok: false, diagnostics: value.left }
  const graph = value.right.graph
  const out = graph.outputs[0]
  const cotangent = T(out && out.kind === 'var' ? out.shape : [])
  const vjp = specialize({ ...ref, transform: { kind: 'vjp' } }, [...r.specs, cotangent])
  return {
    ok: true,
    ir: irLines(graph, r.root),
    grad: vjp._tag === 'Left' ? vjp.left : irLines(vjp.right.graph, r.root),
    plan: planView(graph, r.backend),
  }
}
