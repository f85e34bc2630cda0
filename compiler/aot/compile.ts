/**
 * `drift compile`: a specialized function written to a directory as kernels, plans (one for the
 * gpu.js backends, one for wasm, with every wasm kernel also as a .wasm binary, one for webgpu),
 * manifest, README
 * and IR dumps, plus esbuild bundles of the runtime that run them without the compiler: one for
 * Node (runtime.ts) and one for browsers (browser.ts and its worker, browserWorker.ts). Each
 * signature (the inputs' shapes and dtypes) of a function is an entry of its own: compiling another
 * shape into the same folder adds it (format.ts).
 */
import { createHash } from 'node:crypto'
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
import {
  ArtifactError,
  FORMAT,
  parseManifest,
  planFileText,
  signatureOf,
  type ArgInfo,
  type EntryInfo,
  type Manifest,
} from './format.js'
import { compileKernel } from '../backend/wasm/codegen.js'
import { wasmLimits } from '../backend/wasm/run.js'
import { COMPILE_LIMITS, webgpuLimits } from '../backend/webgpu/limits.js'
import { sizeOf } from '../ir/shape.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
export const BUNDLE = 'drift-runtime.mjs'
/** The browser runtime: the page's module and the worker it starts (browser.ts finds it by this name, beside itself). */
export const BROWSER_BUNDLE = 'drift-browser.mjs'
export const BROWSER_WORKER = 'drift-browser-worker.mjs'

/** The runtime bundles by file name: Node's, and the browser's two (built for a browser: no Node module in them). */
export async function runtimeBundles(): Promise<Map<string, string>> {
  const bundle = async (entry: string, platform: 'node' | 'browser') => {
    const r = await build({
      entryPoints: [path.join(HERE, entry)],
      bundle: true,
      platform,
      format: 'esm',
      target: platform === 'node' ? 'node20' : 'es2022',
      write: false,
      external: platform === 'node' ? ['gpu.js', 'webgpu'] : [],
    })
    return r.outputFiles[0].text
  }
  return new Map([
    [BUNDLE, await bundle('runtime.ts', 'node')],
    [BROWSER_BUNDLE, await bundle('browser.ts', 'browser')],
    [BROWSER_WORKER, await bundle('browserWorker.ts', 'browser')],
  ])
}

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

/** A short, stable tag of a signature for file names. */
const tagOf = (signature: string) => createHash('sha256').update(signature).digest('hex').slice(0, 10)

/** The manifest already in `dir`, or a new one; an old or damaged one is refused (nothing is replaced). */
function existingManifest(dir: string): Manifest {
  const file = path.join(dir, 'manifest.json')
  if (!fs.existsSync(file)) return { format: FORMAT, functions: {} }
  try {
    return parseManifest(fs.readFileSync(file, 'utf8'), file)
  } catch (e) {
    throw new ArtifactError(
      `${(e as Error).message}; drift compile adds to an artifact folder of this version only: choose another -o folder`,
    )
  }
}

/** The artifact folder's README: how to load it, the signatures, the backends. */
function readme(m: Manifest): string {
  const lines = [
    '# Compiled DSL functions',
    '',
    'Written by `drift compile`; runs without the compiler. In Node:',
    '',
    '```js',
    "import { load } from './drift-runtime.mjs'",
    "const f = load(new URL('.', import.meta.url).pathname) // or load(dir, 'cpu') with gpu.js installed",
    'const result = await f.NAME(...args) // tensors as { shape, dtype, data } and numbers',
    '```',
    '',
    'In a browser, served over HTTP (the page imports `drift-browser.mjs`, which starts `drift-browser-worker.mjs`):',
    '',
    '```js',
    "import { load } from './drift-browser.mjs'",
    "const { functions, info } = await load('./') // the folder's address, or its files: { 'manifest.json': bytes, … }",
    'const result = await functions.NAME(...args) // info.threads: 1 unless the page is cross-origin isolated',
    '```',
    '',
    'Kernels run in a worker, on several threads where the page is cross-origin isolated: the server sends',
    '`Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp` with the page',
    "and these files. Without them everything runs on that one worker. `load('./', { backend: 'webgpu' })` runs",
    "the webgpu plans on the browser's WebGPU device instead.",
    '',
    'Each function runs the entry compiled for the shapes and dtypes of its arguments:',
    '',
  ]
  for (const [name, fn] of Object.entries(m.functions)) {
    lines.push(`- \`${name}\` (from ${fn.source}):`)
    for (const e of fn.entries) lines.push(`  - \`(${e.signature})\`: plans for ${Object.keys(e.plans).join(', ')}`)
  }
  lines.push(
    '',
    "Backends in Node: `wasm` (the default, and the browser's: drift's WebAssembly kernels, the `.wasm` files),",
    "`webgpu` (drift's WGSL kernels on Dawn: `npm install webgpu`) and the gpu.js modes `cpu`, `webasm`,",
    "`webasm-threads` (`npm install gpu.js`). `*.ir.txt` and `*.kernels.txt` show each entry's",
    'program and kernels.',
    '',
  )
  return lines.join('\n')
}

/** The lines `drift compile` prints after writing an artifact: how to use it. */
export const usageLines = (dir: string): string[] => [
  `use it in Node: import { load } from '${path.resolve(dir, BUNDLE)}'; const f = load('${path.resolve(dir)}'); await f.NAME(...args)`,
  `use it in a browser: serve ${path.resolve(dir)} over HTTP; import { load } from './${BROWSER_BUNDLE}'; const { functions } = await load('./'); await functions.NAME(...args) (threads where the server sends Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)`,
  `its README.md lists the compiled signatures and backends`,
]

export async function compileToDir(
  s: Specialized,
  specs: ArgSpec[],
  names: string[],
  source: string,
  dir: string,
): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true })
  const manifest = existingManifest(dir)
  const inputs = inputInfo(s, specs, names)
  const signature = signatureOf(inputs)
  const base = `${s.name}.${tagOf(signature)}`
  const { plan } = lowerGraph(s.graph)
  const files: string[] = []
  const put = (name: string, text: string) => (writeAtomic(path.join(dir, name), text), files.push(name))
  const putBytes = (name: string, bytes: Uint8Array) => (writeAtomic(path.join(dir, name), bytes), files.push(name))
  // source files relative to the artifact folder (the manifest's source, the plans' locations): no path of the compiling machine
  const relativeToDir = (file: string) => path.relative(dir, file)
  const plans = { gpujs: `${base}.gpujs.plan.json`, wasm: `${base}.wasm.plan.json`, webgpu: `${base}.webgpu.plan.json` }
  put(plans.gpujs, planFileText(s.name, signature, 'gpujs', planToJson(plan, relativeToDir)))
  put(`${base}.ir.txt`, printGraph(s.graph, { relativeTo: path.dirname(source) }) + '\n')
  put(`${base}.kernels.txt`, printPlan(plan, { code: true }) + '\n')
  put(
    `${base}.kernels.js`,
    plan.steps
      .flatMap((st) =>
        st.k === 'launch' ? [`// ${st.kernel.name}\nexport const ${st.kernel.name} = ${emitKernel(st.kernel)}\n`] : [],
      )
      .join('\n'),
  )
  // the wasm backend's plan (no stacking, cheap launches) and its kernels as WebAssembly binaries
  const wasmPlan = lowerGraph(s.graph, {}, wasmLimits()).plan
  put(plans.wasm, planFileText(s.name, signature, 'wasm', planToJson(wasmPlan, relativeToDir)))
  const sizes = new Map(wasmPlan.buffers.map((b) => [b.name, sizeOf(b.shape)]))
  const wasmKernels: Record<string, string> = {}
  for (const st of wasmPlan.steps)
    if (st.k === 'launch') {
      wasmKernels[st.kernel.name] = `${base}.${st.kernel.name}.wasm`
      putBytes(wasmKernels[st.kernel.name], compileKernel(st.kernel, sizes).bytes)
    }
  // the webgpu backend's plan, under limits Dawn's adapters have (webgpu/limits.ts); its WGSL is made on the device
  const webgpuPlan = lowerGraph(s.graph, {}, webgpuLimits(COMPILE_LIMITS)).plan
  put(plans.webgpu, planFileText(s.name, signature, 'webgpu', planToJson(webgpuPlan, relativeToDir)))
  const entry: EntryInfo = { signature, inputs, outputs: s.outTree, plans, wasmKernels }
  const fn = manifest.functions[s.name] ?? { source: relativeToDir(source), entries: [] }
  // the same signature compiled again replaces its entry; another one is added beside it
  fn.entries = [...fn.entries.filter((e) => e.signature !== signature), entry]
  fn.source = relativeToDir(source)
  manifest.functions[s.name] = fn
  put('manifest.json', JSON.stringify(manifest, null, 2) + '\n')
  put('README.md', readme(manifest))
  for (const [name, text] of await runtimeBundles()) put(name, text)
  return files
}
