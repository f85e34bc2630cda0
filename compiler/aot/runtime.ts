/**
 * The ahead-of-time runtime: loads compiled functions from a directory written by
 * `drift compile` and runs their plans. Bundled by esbuild into the artifact; it contains
 * neither ts-morph nor typescript.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { NDArray } from '../ir/ndarray.js'
import type { DType, TreeDef } from '../ir/types.js'
import { planFromJson } from '../kernel/serialize.js'
import { GpujsRuntime, type GpujsMode } from '../backend/gpujs/run.js'
import { WasmRuntime } from '../backend/wasm/run.js'
import { WebGPURuntime } from '../backend/webgpu/run.js'

export interface ArgInfo {
  path: string
  shape: number[]
  dtype: DType
  /** 'scalar' arguments are plain numbers; 'static' ones were fixed at compile time. */
  kind: 'tensor' | 'scalar'
}

export interface EntryInfo {
  name: string
  source: string
  /** One per leaf input of the plan, in order. */
  inputs: ArgInfo[]
  outputs: TreeDef
  plan: string
  /** The plan lowered for the wasm backend. */
  wasmPlan: string
  /** The plan lowered for the webgpu backend (WebGPU's default limits). */
  webgpuPlan?: string
}

export interface Manifest {
  format: 'drift-aot-1'
  entries: Record<string, EntryInfo>
}

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

/** Load every entry of an AOT directory; `mode`: drift's wasm kernels (default), its webgpu kernels or a gpu.js backend. */
export function load(dir: string, mode: 'wasm' | 'webgpu' | GpujsMode = 'wasm'): Compiled {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest
  if (manifest.format !== 'drift-aot-1')
    throw new Error(`${dir}: not a drift AOT directory (format ${manifest.format})`)
  const runtime = mode === 'wasm' ? new WasmRuntime() : mode === 'webgpu' ? new WebGPURuntime() : new GpujsRuntime(mode)
  const out: Compiled = {}
  for (const [name, entry] of Object.entries(manifest.entries)) {
    const file = mode === 'wasm' ? entry.wasmPlan : mode === 'webgpu' ? entry.webgpuPlan : entry.plan
    if (!file) throw new Error(`${dir}: ${name} has no ${mode} plan (compile it again with this drift)`)
    const plan = planFromJson(fs.readFileSync(path.join(dir, file), 'utf8'))
    out[name] = async (...args: unknown[]) => {
      const flat: unknown[] = []
      args.forEach((a) => leaves(a, flat))
      if (flat.length !== entry.inputs.length)
        throw new Error(`${name}: expected ${entry.inputs.length} tensor/number arguments, got ${flat.length}`)
      const inputs = flat.map((v, i): NDArray => {
        const info = entry.inputs[i]
        if (typeof v === 'number') return { shape: [], dtype: 'f32', data: Float32Array.of(v) }
        const a = v as HostArray
        if (a.shape.join() !== info.shape.join() || a.dtype !== info.dtype)
          throw new Error(
            `${name}: argument ${info.path} was compiled for ${info.dtype}[${info.shape}], got ${a.dtype}[${a.shape}]`,
          )
        return {
          shape: [...a.shape],
          dtype: a.dtype,
          data: a.data instanceof Float32Array ? a.data : Float32Array.from(a.data),
        }
      })
      return unflatten(
        entry.outputs,
        runtime instanceof WasmRuntime
          ? runtime.run(plan, inputs)
          : runtime instanceof WebGPURuntime
            ? await runtime.run(plan, inputs)
            : await runtime.runAsync(plan, inputs),
      )
    }
  }
  return out
}
