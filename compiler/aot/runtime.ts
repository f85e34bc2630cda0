/**
 * The ahead-of-time runtime in Node: loads compiled functions from a directory written by
 * `drift compile` and runs their plans. Bundled by esbuild into the artifact; it contains
 * neither ts-morph nor typescript. The browser's runtime is browser.ts.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { ArtifactError } from './format.js'
import { bind, provideKernels, readArtifact, type ArtifactSource, type Compiled } from './artifact.js'
import { GpujsRuntime, type GpujsMode } from '../backend/gpujs/run.js'
import { WasmRuntime } from '../backend/wasm/run.js'
import { WebGPURuntime } from '../backend/webgpu/run.js'

export type { ArgInfo, EntryInfo, FunctionInfo, Manifest } from './format.js'
export type { HostArray } from './args.js'
export type { Compiled } from './artifact.js'

/** The artifact folder as a source: a file by a name the manifest checked to be plain; at most `max` bytes. */
function folder(dir: string): ArtifactSource {
  return {
    folder: dir,
    where: (name) => path.join(dir, name),
    read(name, max) {
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
      return fs.readFileSync(file)
    },
  }
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
 * Load every function of an AOT directory; `mode`: drift's wasm kernels (default, the folder's
 * .wasm modules), its webgpu kernels or a gpu.js backend. A function runs the entry compiled for
 * its arguments' shapes and dtypes.
 */
export function load(dir: string, mode: 'wasm' | 'webgpu' | GpujsMode = 'wasm'): Compiled {
  const fns = readArtifact(folder(dir), mode === 'wasm' || mode === 'webgpu' ? mode : 'gpujs')
  const runtime = runtimeFor(mode)
  if (runtime instanceof WasmRuntime) provideKernels(runtime, fns)
  return bind(fns, async (plan, inputs) =>
    runtime instanceof WasmRuntime
      ? runtime.run(plan, inputs)
      : runtime instanceof WebGPURuntime
        ? await runtime.run(plan, inputs)
        : await runtime.runAsync(plan, inputs),
  )
}
