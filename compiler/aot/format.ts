/**
 * The format of an ahead-of-time artifact (`drift compile`), and its checks. Nothing here reads
 * files: artifact.ts reads them through a source (a folder in Node, fetched files in a browser) and passes their text. A manifest lists functions; each function
 * has one entry per compiled signature (the shapes and dtypes of its inputs), and each entry names
 * one plan file per backend (`plans.wasm`, `plans.gpujs`; another backend adds its own key). A
 * plan file says which function, signature and backend it belongs to. Every name in a manifest is
 * a plain file name inside the artifact folder, and everything is checked before it is used.
 */
import type { DType, TreeDef } from '../ir/types.js'
import type { Plan } from '../kernel/types.js'
import { planFromJson } from '../kernel/serialize.js'

export const FORMAT = 'drift-aot-2'
export const PLAN_FORMAT = 'drift-aot-plan-2'
/** Formats this runtime recognizes but cannot load: an artifact to compile again. */
const OLD_FORMATS = ['drift-aot-1']

/** The most bytes of a manifest and of a plan file this runtime reads. */
export const MAX_MANIFEST_BYTES = 4 * 2 ** 20
export const MAX_PLAN_BYTES = 64 * 2 ** 20
/** The most bytes of one kernel's WebAssembly module. */
export const MAX_KERNEL_BYTES = 16 * 2 ** 20
/** The most elements of one tensor (kernels index buffers with 32-bit integers). */
const MAX_ELEMENTS = 2 ** 31 - 1

export interface ArgInfo {
  path: string
  shape: number[]
  dtype: DType
  /** 'scalar' arguments are plain numbers (traced f32 scalars). */
  kind: 'tensor' | 'scalar'
}

/** One compiled signature of a function. */
export interface EntryInfo {
  /** the inputs as text, `x=f32[64,2], tau=f32`: what a call is matched against */
  signature: string
  /** one per leaf input of the plan, in order */
  inputs: ArgInfo[]
  outputs: TreeDef
  /** backend → plan file in the artifact folder */
  plans: Record<string, string>
  /** the wasm plan's kernels as WebAssembly binaries: kernel name → file */
  wasmKernels: Record<string, string>
}

export interface FunctionInfo {
  /** the source file, relative to the artifact folder (for people: nothing reads it) */
  source: string
  entries: EntryInfo[]
}

export interface Manifest {
  format: typeof FORMAT
  functions: Record<string, FunctionInfo>
}

/** A plan file: the plan, and what it belongs to. */
export interface PlanFile {
  format: typeof PLAN_FORMAT
  function: string
  signature: string
  backend: string
  plan: Plan
}

/** An artifact that cannot be used: its message says which file and what is wrong. */
export class ArtifactError extends Error {
  override name = 'ArtifactError'
}

const DTYPES: readonly string[] = ['f32', 'i32', 'bool']

export const signatureOf = (inputs: { path: string; shape: readonly number[]; dtype: string; kind?: string }[]) =>
  inputs.map((a) => `${a.path}=${a.dtype}${a.kind === 'scalar' ? '' : `[${a.shape.join(',')}]`}`).join(', ')

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/
/** A file name the manifest may give: one plain name in the artifact folder. */
export const isPlainFileName = (s: unknown): s is string =>
  typeof s === 'string' && /^[\w][\w.-]{0,200}$/.test(s) && !s.includes('..')

function parseJson(text: string, what: string, max: number): unknown {
  if (text.length > max) throw new ArtifactError(`${what} is ${text.length} bytes, over the limit of ${max}`)
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new ArtifactError(`${what} is not JSON: ${(e as Error).message}`)
  }
}

function checkShape(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.length > 8 || !v.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new ArtifactError(`${what}: a shape is a list of at most 8 non-negative integers`)
  if (v.reduce((a: number, b: number) => a * b, 1) > MAX_ELEMENTS)
    throw new ArtifactError(`${what}: a tensor of shape [${v.join(',')}] is over 2^31 − 1 elements`)
  return v as number[]
}

function checkTree(v: unknown, what: string, depth = 0): void {
  if (depth > 32 || !isObject(v)) throw new ArtifactError(`${what}: bad output tree`)
  if (v.kind === 'leaf' || v.kind === 'static') return
  if ((v.kind !== 'array' && v.kind !== 'object') || !Array.isArray(v.items))
    throw new ArtifactError(`${what}: bad output tree`)
  if (v.kind === 'object' && (!Array.isArray(v.keys) || !v.keys.every((k) => typeof k === 'string')))
    throw new ArtifactError(`${what}: bad output tree`)
  for (const item of v.items) checkTree(item, what, depth + 1)
}

function checkFiles(v: unknown, what: string): Record<string, string> {
  if (!isObject(v)) throw new ArtifactError(`${what} must be an object of file names`)
  for (const [k, f] of Object.entries(v))
    if (!IDENTIFIER.test(k) || !isPlainFileName(f))
      throw new ArtifactError(
        `${what}.${k}: ${JSON.stringify(f)} is not a file name in the artifact folder (no folders, no '..')`,
      )
  return v as Record<string, string>
}

function checkEntry(v: unknown, what: string): EntryInfo {
  if (!isObject(v) || typeof v.signature !== 'string' || !Array.isArray(v.inputs))
    throw new ArtifactError(`${what}: an entry has a signature, inputs, outputs and plans`)
  v.inputs.forEach((a, i) => {
    const at = `${what}.inputs[${i}]`
    if (!isObject(a) || typeof a.path !== 'string' || !DTYPES.includes(a.dtype as string))
      throw new ArtifactError(`${at}: an input has a path, a shape, a dtype (f32, i32, bool) and a kind`)
    if (a.kind !== 'tensor' && a.kind !== 'scalar') throw new ArtifactError(`${at}: kind must be tensor or scalar`)
    checkShape(a.shape, at)
  })
  if (signatureOf(v.inputs as ArgInfo[]) !== v.signature)
    throw new ArtifactError(`${what}: the signature ${JSON.stringify(v.signature)} does not match its inputs`)
  checkTree(v.outputs, what)
  checkFiles(v.plans, `${what}.plans`)
  checkFiles(v.wasmKernels, `${what}.wasmKernels`)
  return v as unknown as EntryInfo
}

/** The manifest in `text` (the file `what`), checked: format, schema, file names, sizes. */
export function parseManifest(text: string, what: string): Manifest {
  const v = parseJson(text, what, MAX_MANIFEST_BYTES)
  if (!isObject(v) || typeof v.format !== 'string') throw new ArtifactError(`${what} is not a drift artifact manifest`)
  if (OLD_FORMATS.includes(v.format))
    throw new ArtifactError(
      `${what} is in the older format ${v.format}, which this runtime does not load (the kernel IR changed): compile it again with drift compile`,
    )
  if (v.format !== FORMAT)
    throw new ArtifactError(`${what} has format ${JSON.stringify(v.format)}; this runtime loads ${FORMAT}`)
  if (!isObject(v.functions)) throw new ArtifactError(`${what}: functions must be an object`)
  for (const [name, f] of Object.entries(v.functions)) {
    const at = `${what}: function ${name}`
    if (!IDENTIFIER.test(name)) throw new ArtifactError(`${what}: ${JSON.stringify(name)} is not a function name`)
    if (!isObject(f) || typeof f.source !== 'string' || !Array.isArray(f.entries))
      throw new ArtifactError(`${at} has a source and a list of entries`)
    f.entries.forEach((e, i) => checkEntry(e, `${at}, entry ${i}`))
  }
  return v as unknown as Manifest
}

/** Every string of a plan: no control characters (they could end a comment in emitted code); names are identifiers. */
function checkPlanValues(v: unknown, what: string, key = '', depth = 0): void {
  if (depth > 256) throw new ArtifactError(`${what}: the plan nests too deep`)
  if (typeof v === 'string') {
    if (v.length > 4096 || /[\u0000-\u001f\u2028\u2029]|\*\//.test(v))
      throw new ArtifactError(
        `${what}: the plan holds a string that is not allowed (${JSON.stringify(v.slice(0, 40))})`,
      )
    if (
      ['name', 'buf', 'buffers', 'scalars', 'v', 'op', 'prim', 'k', 'dtype', 'role'].includes(key) &&
      !IDENTIFIER.test(v)
    )
      throw new ArtifactError(`${what}: ${key} ${JSON.stringify(v.slice(0, 40))} is not an identifier`)
  } else if (Array.isArray(v)) for (const x of v) checkPlanValues(x, what, key, depth + 1)
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) checkPlanValues(x, what, k, depth + 1)
  else if (v !== null && typeof v !== 'number' && typeof v !== 'boolean')
    throw new ArtifactError(`${what}: the plan holds a value that is not JSON data`)
}

/**
 * The plan in a plan file's text, checked to belong to function `fn`'s entry `entry` for
 * `backend`, and checked in its shape: buffers with valid shapes and dtypes, steps, outputs.
 */
export function parsePlanFile(text: string, what: string, fn: string, entry: EntryInfo, backend: string): Plan {
  const v = parseJson(text, what, MAX_PLAN_BYTES)
  if (!isObject(v) || v.format !== PLAN_FORMAT || !isObject(v.plan))
    throw new ArtifactError(`${what} is not a drift plan file (format ${PLAN_FORMAT})`)
  if (v.function !== fn || v.signature !== entry.signature || v.backend !== backend)
    throw new ArtifactError(
      `${what} is the ${v.backend} plan of ${v.function}(${v.signature}), not the ${backend} plan of ${fn}(${entry.signature}) that the manifest names it for`,
    )
  const plan = planFromJson(JSON.stringify(v.plan))
  checkPlanValues(plan, what)
  if (!Array.isArray(plan.buffers) || !Array.isArray(plan.scalars) || !Array.isArray(plan.steps))
    throw new ArtifactError(`${what}: a plan has buffers, scalars, steps and outputs`)
  if (!Array.isArray(plan.outputs)) throw new ArtifactError(`${what}: a plan has buffers, scalars, steps and outputs`)
  for (const b of plan.buffers) {
    if (!isObject(b) || !DTYPES.includes(b.dtype as string)) throw new ArtifactError(`${what}: bad buffer`)
    checkShape(b.shape, `${what}: buffer ${b.name}`)
  }
  for (const s of plan.scalars)
    if (!Number.isSafeInteger(s.inputIndex) || s.inputIndex < 0 || s.inputIndex >= entry.inputs.length)
      throw new ArtifactError(`${what}: scalar ${s.name} names no input`)
  return plan
}

/** The text of a plan file. */
export const planFileText = (fn: string, signature: string, backend: string, planJson: string): string =>
  `{"format":${JSON.stringify(PLAN_FORMAT)},"function":${JSON.stringify(fn)},"signature":${JSON.stringify(signature)},"backend":${JSON.stringify(backend)},"plan":${planJson}}\n`
