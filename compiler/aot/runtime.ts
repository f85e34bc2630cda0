/**
 * The ahead-of-time runtime: loads compiled functions from a directory written by
 * `drift compile` and runs their plans. Bundled by esbuild into the artifact; it contains
 * neither ts-morph nor typescript.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { NDArray } from '../ir/ndarray.js'
import type { DType, TreeDef } from '../ir/types.js'
import type { Plan } from '../kernel/types.js'
import {
  ArtifactError,
  MAX_MANIFEST_BYTES,
  MAX_PLAN_BYTES,
  parseManifest,
  parsePlanFile,
  signatureOf,
  type EntryInfo,
} from './format.js'
import { GpujsRuntime, type GpujsMode } from '../backend/gpujs/run.js'
import { WasmRuntime } from '../backend/wasm/run.js'
import { WebGPURuntime } from '../backend/webgpu/run.js'

export type { ArgInfo, EntryInfo, FunctionInfo, Manifest } from './format.js'

/** A host array: anything with shape, dtype and data (drift's Tensor included). */
export interface HostArray {
  shape: readonly number[]
  dtype: DType
  data: ArrayLike<number>
}

function leaves(v: unknown, out: unknown[]): void {
  if (typeof v === 'number' || (typeof v === 'object' && v !== null && 'data' in v)) out.push(v)
  else if (Array.isArray(v)) v.forEach((x) => leaves(x, out))
  else if (typeof v === 'object' && v !== null) Object.values(v).forEach((x) => leaves(x, out))
}

function unflatten(tree: TreeDef, outs: NDArray[]): unknown {
  let k = 0
  const go = (t: TreeDef): unknown =>
    t.kind === 'leaf'
      ? outs[k++]
      : t.kind === 'array'
        ? t.items.map(go)
        : t.kind === 'object'
          ? Object.fromEntries(t.keys.map((key, i) => [key, go(t.items[i])]))
          : t.value
  return go(tree)
}

export type Compiled = Record<string, (...args: unknown[]) => Promise<unknown>>

/** A file of the artifact folder, by a name the manifest checked to be plain; at most `max` bytes. */
function readIn(dir: string, name: string, max: number): string {
  const file = path.join(dir, name)
  if (path.dirname(path.resolve(file)) !== path.resolve(dir))
    throw new ArtifactError(`${name}: not a file in the artifact folder ${dir}`)
  let stat: fs.Stats
  try {
    stat = fs.statSync(file)
  } catch (e) {
    throw new ArtifactError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  if (!stat.isFile()) throw new ArtifactError(`${file} is not a regular file`)
  if (stat.size > max) throw new ArtifactError(`${file} is ${stat.size} bytes, over the limit of ${max}`)
  return fs.readFileSync(file, 'utf8')
}

/** The signature of a call's flattened arguments, as the manifest writes it. */
function callSignature(entry: EntryInfo, flat: unknown[]): string {
  return signatureOf(
    flat.map((v, i) => {
      const p = entry.inputs[i]?.path ?? `arg${i}`
      if (typeof v === 'number') return { path: p, shape: [], dtype: 'f32', kind: 'scalar' }
      const a = v as HostArray
      return { path: p, shape: a.shape, dtype: a.dtype, kind: 'tensor' }
    }),
  )
}

/** The runtime of a mode: drift's wasm or webgpu kernels, or a gpu.js backend (gpu.js must be installed). */
function runtimeFor(mode: 'wasm' | 'webgpu' | GpujsMode): WasmRuntime | WebGPURuntime | GpujsRuntime {
  if (mode === 'wasm') return new WasmRuntime()
  if (mode === 'webgpu') return new WebGPURuntime()
  try {
    createRequire(import.meta.url).resolve('gpu.js')
  } catch {
    throw new ArtifactError(
      `the ${mode} mode runs gpu.js, which is not installed here: npm install gpu.js (the default wasm mode needs nothing)`,
    )
  }
  return new GpujsRuntime(mode)
}

/**
 * Load every function of an AOT directory; `mode`: drift's wasm kernels (default), its webgpu
 * kernels or a gpu.js backend. A function runs the entry compiled for its arguments' shapes and dtypes.
 */
export function load(dir: string, mode: 'wasm' | 'webgpu' | GpujsMode = 'wasm'): Compiled {
  const manifest = parseManifest(readIn(dir, 'manifest.json', MAX_MANIFEST_BYTES), path.join(dir, 'manifest.json'))
  const backend = mode === 'wasm' || mode === 'webgpu' ? mode : 'gpujs'
  const runtime = runtimeFor(mode)
  const out: Compiled = {}
  for (const [name, fn] of Object.entries(manifest.functions)) {
    const plans = fn.entries.map((entry): Plan => {
      const file = entry.plans[backend]
      if (file === undefined)
        throw new ArtifactError(`${name}(${entry.signature}) has no ${backend} plan in ${dir}: compile it again`)
      return parsePlanFile(readIn(dir, file, MAX_PLAN_BYTES), path.join(dir, file), name, entry, backend)
    })
    out[name] = async (...args: unknown[]) => {
      const flat: unknown[] = []
      args.forEach((a) => leaves(a, flat))
      const i = fn.entries.findIndex((e) => e.inputs.length === flat.length && callSignature(e, flat) === e.signature)
      if (i < 0)
        throw new ArtifactError(
          `${name} was not compiled for (${callSignature(fn.entries[0] ?? ({ inputs: [] } as unknown as EntryInfo), flat)}); ` +
            `its compiled signatures are: ${fn.entries.map((e) => `(${e.signature})`).join('; ')} — compile this one too with drift compile --shapes`,
        )
      const entry = fn.entries[i]
      const inputs = flat.map((v): NDArray => {
        if (typeof v === 'number') return { shape: [], dtype: 'f32', data: Float32Array.of(v) }
        const a = v as HostArray
        return {
          shape: [...a.shape],
          dtype: a.dtype,
          data: a.data instanceof Float32Array ? a.data : Float32Array.from(a.data),
        }
      })
      return unflatten(
        entry.outputs,
        runtime instanceof WasmRuntime
          ? runtime.run(plans[i], inputs)
          : runtime instanceof WebGPURuntime
            ? await runtime.run(plans[i], inputs)
            : await runtime.runAsync(plans[i], inputs),
      )
    }
  }
  return out
}
