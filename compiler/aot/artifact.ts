/**
 * Loading an artifact, whatever it is read from: the manifest, the plans of one backend and (for
 * wasm) the kernels' .wasm modules, each read through a source and checked (format.ts) before
 * use; and the functions that pick a call's entry by its arguments' signature. Node's loader
 * (runtime.ts) reads a folder; the browser's (browserWorker.ts) reads fetched or given files.
 */
import type { NDArray } from '../ir/ndarray.js'
import type { Plan } from '../kernel/types.js'
import type { WasmExecutor } from '../backend/wasm/executor.js'
import { leaves, toNDArray, unflatten, type HostArray } from './args.js'
import {
  ArtifactError,
  MAX_KERNEL_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_PLAN_BYTES,
  parseManifest,
  parsePlanFile,
  signatureOf,
  type EntryInfo,
  type Manifest,
} from './format.js'

/** Where an artifact's files come from. */
export interface ArtifactSource {
  /** The folder (or address) for messages. */
  folder: string
  /** A file's name for messages. */
  where(name: string): string
  /** The bytes of a file the manifest names (a plain name), at most `max` of them; an ArtifactError otherwise. */
  read(name: string, max: number): Uint8Array
}

/** One compiled signature of a function, ready to run on one backend. */
export interface LoadedEntry {
  entry: EntryInfo
  plan: Plan
  /** wasm only: each launched kernel's module, by kernel name */
  kernels: Map<string, Uint8Array>
}

export interface LoadedFunction {
  name: string
  entries: LoadedEntry[]
}

export type Compiled = Record<string, (...args: unknown[]) => Promise<unknown>>

const utf8 = new TextDecoder('utf-8', { fatal: true })
function text(src: ArtifactSource, name: string, max: number): string {
  try {
    return utf8.decode(src.read(name, max))
  } catch (e) {
    if (e instanceof ArtifactError) throw e
    throw new ArtifactError(`${src.where(name)} is not UTF-8 text: compile the artifact again`)
  }
}

/** The manifest of an artifact, checked. */
export const readManifest = (src: ArtifactSource): Manifest =>
  parseManifest(text(src, 'manifest.json', MAX_MANIFEST_BYTES), src.where('manifest.json'))

/** The files of `backend` the manifest names (plans, and the kernels' modules for wasm), each with its size limit. */
export function filesOf(m: Manifest, backend: string): Map<string, number> {
  const files = new Map<string, number>()
  for (const fn of Object.values(m.functions))
    for (const e of fn.entries) {
      if (e.plans[backend] !== undefined) files.set(e.plans[backend], MAX_PLAN_BYTES)
      if (backend === 'wasm') for (const f of Object.values(e.wasmKernels)) files.set(f, MAX_KERNEL_BYTES)
    }
  return files
}

/** Each launched kernel's module, read and validated as WebAssembly. */
function kernelModules(src: ArtifactSource, plan: Plan, e: EntryInfo, planFile: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>()
  for (const step of plan.steps) {
    if (step.k !== 'launch') continue
    const file = e.wasmKernels[step.kernel.name]
    if (file === undefined)
      throw new ArtifactError(
        `${src.where(planFile)}: kernel ${step.kernel.name} has no .wasm file in the manifest: compile it again`,
      )
    const bytes = src.read(file, MAX_KERNEL_BYTES)
    if (!WebAssembly.validate(bytes))
      throw new ArtifactError(`${src.where(file)} is not a valid WebAssembly module: compile the artifact again`)
    out.set(step.kernel.name, bytes)
  }
  return out
}

/** Every function of the artifact with its `backend` plans (and wasm modules), all checked before anything runs. */
export function readArtifact(src: ArtifactSource, backend: string): LoadedFunction[] {
  const manifest = readManifest(src)
  return Object.entries(manifest.functions).map(([name, fn]) => ({
    name,
    entries: fn.entries.map((entry): LoadedEntry => {
      const file = entry.plans[backend]
      if (file === undefined)
        throw new ArtifactError(`${name}(${entry.signature}) has no ${backend} plan in ${src.folder}: compile it again`)
      const plan = parsePlanFile(text(src, file, MAX_PLAN_BYTES), src.where(file), name, entry, backend)
      return { entry, plan, kernels: backend === 'wasm' ? kernelModules(src, plan, entry, file) : new Map() }
    }),
  }))
}

/** Hand the artifact's kernel modules to a wasm executor: it runs them instead of compiling the kernels. */
export function provideKernels(executor: WasmExecutor, fns: LoadedFunction[]): void {
  for (const f of fns)
    for (const { plan, kernels } of f.entries)
      for (const step of plan.steps)
        if (step.k === 'launch') executor.provide(step.kernel, kernels.get(step.kernel.name)!)
}

/** The signature of a call's flattened arguments, as the manifest writes it. */
function callSignature(entry: EntryInfo | undefined, flat: unknown[]): string {
  return signatureOf(
    flat.map((v, i) => {
      const p = entry?.inputs[i]?.path ?? `arg${i}`
      if (typeof v === 'number') return { path: p, shape: [], dtype: 'f32', kind: 'scalar' }
      const a = v as HostArray
      return { path: p, shape: a.shape, dtype: a.dtype, kind: 'tensor' }
    }),
  )
}

/** The functions: each runs the entry compiled for its arguments' signature through `run`. */
export function bind(fns: LoadedFunction[], run: (plan: Plan, inputs: NDArray[]) => Promise<NDArray[]>): Compiled {
  const out: Compiled = {}
  for (const { name, entries } of fns)
    out[name] = async (...args: unknown[]) => {
      const flat = leaves(args)
      const chosen = entries.find(
        ({ entry }) => entry.inputs.length === flat.length && callSignature(entry, flat) === entry.signature,
      )
      if (!chosen)
        throw new ArtifactError(
          `${name} was not compiled for (${callSignature(entries[0]?.entry, flat)}); ` +
            `its compiled signatures are: ${entries.map(({ entry }) => `(${entry.signature})`).join('; ')} — compile this one too with drift compile --shapes`,
        )
      return unflatten(chosen.entry.outputs, await run(chosen.plan, flat.map(toNDArray)))
    }
  return out
}
