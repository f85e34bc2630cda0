/**
 * `drift compile`: a specialized function written to a directory as kernels, plans (one for the
 * gpu.js backends, one for wasm, with every wasm kernel also as a .wasm binary, one for webgpu),
 * manifest and IR dumps, plus an esbuild bundle of the runtime that runs them without the compiler.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { writeAtomic } from '../runtime/atomicWrite.js'
import type { ArgSpec, Specialized } from '../frontend/specialize.js'
import { lowerGraph } from '../fusion/lower.js'
import { printGraph } from '../ir/print.js'
import { printPlan } from '../kernel/print.js'
import { planToJson } from '../kernel/serialize.js'
import { emitKernel } from '../backend/gpujs/emit.js'
import type { ArgInfo, EntryInfo, Manifest } from './runtime.js'
import { compileKernel } from '../backend/wasm/codegen.js'
import { wasmLimits } from '../backend/wasm/run.js'
import { sizeOf } from '../ir/shape.js'
import { COMPILE_LIMITS, webgpuLimits } from '../backend/webgpu/limits.js'

const RUNTIME_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'runtime.ts')
export const BUNDLE = 'drift-runtime.mjs'

/** Input leaves in plan order, named by their parameter paths. */
function inputInfo(s: Specialized, specs: ArgSpec[], names: string[]): ArgInfo[] {
  const out: ArgInfo[] = []
  const walk = (spec: ArgSpec, p: string) => {
    if (spec.tag === 'tensor')
      out.push({
        path: p,
        shape: spec.aval.shape,
        dtype: spec.aval.dtype,
        kind: spec.aval.shape.length === 0 && spec.aval.dtype === 'f32' ? 'scalar' : 'tensor',
      })
    else if (spec.tag === 'array') spec.items.forEach((x, i) => walk(x, `${p}.${i}`))
    else if (spec.tag === 'object') spec.fields.forEach(([k, x]) => walk(x, `${p}.${k}`))
  }
  specs.forEach((spec, i) => walk(spec, names[i] ?? `arg${i}`))
  if (out.length !== s.graph.inputs.length) throw new Error('internal: argument leaves and graph inputs differ')
  return out
}

export async function compileToDir(
  s: Specialized,
  specs: ArgSpec[],
  names: string[],
  source: string,
  dir: string,
): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true })
  const { plan } = lowerGraph(s.graph)
  const files: string[] = []
  const put = (name: string, text: string) => (writeAtomic(path.join(dir, name), text), files.push(name))
  const putBytes = (name: string, bytes: Uint8Array) => (writeAtomic(path.join(dir, name), bytes), files.push(name))
  put(`${s.name}.plan.json`, planToJson(plan))
  put(`${s.name}.ir.txt`, printGraph(s.graph, { relativeTo: path.dirname(source) }) + '\n')
  put(`${s.name}.kernels.txt`, printPlan(plan, { code: true }) + '\n')
  put(
    `${s.name}.kernels.js`,
    plan.steps
      .flatMap((st) =>
        st.k === 'launch' ? [`// ${st.kernel.name}\nexport const ${st.kernel.name} = ${emitKernel(st.kernel)}\n`] : [],
      )
      .join('\n'),
  )
  // the wasm backend's plan (no stacking, cheap launches) and its kernels as WebAssembly binaries
  const wasmPlan = lowerGraph(s.graph, {}, wasmLimits()).plan
  put(`${s.name}.wasm-plan.json`, planToJson(wasmPlan))
  const sizes = new Map(wasmPlan.buffers.map((b) => [b.name, sizeOf(b.shape)]))
  for (const st of wasmPlan.steps)
    if (st.k === 'launch') putBytes(`${s.name}.${st.kernel.name}.wasm`, compileKernel(st.kernel, sizes).bytes)
  // the webgpu backend's plan, under limits Dawn's adapters have (webgpu/limits.ts); its WGSL is made on the device
  put(`${s.name}.webgpu-plan.json`, planToJson(lowerGraph(s.graph, {}, webgpuLimits(COMPILE_LIMITS)).plan))
  const manifestFile = path.join(dir, 'manifest.json')
  const manifest: Manifest = fs.existsSync(manifestFile)
    ? JSON.parse(fs.readFileSync(manifestFile, 'utf8'))
    : { format: 'drift-aot-1', entries: {} }
  const entry: EntryInfo = {
    name: s.name,
    source: path.relative(dir, source),
    inputs: inputInfo(s, specs, names),
    outputs: s.outTree,
    plan: `${s.name}.plan.json`,
    wasmPlan: `${s.name}.wasm-plan.json`,
    webgpuPlan: `${s.name}.webgpu-plan.json`,
  }
  manifest.entries[s.name] = entry
  put('manifest.json', JSON.stringify(manifest, null, 2) + '\n')
  const bundled = await build({
    entryPoints: [RUNTIME_ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    external: ['gpu.js', 'webgpu'],
  })
  put(BUNDLE, bundled.outputFiles[0].text)
  return files
}
