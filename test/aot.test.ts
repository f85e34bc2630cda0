/** Ahead-of-time artifacts: drift compile writes kernels, plan, manifest, IR and a runtime bundle without the compiler. */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect, test } from 'vitest'
import { setBackend, tensor, type Mat } from '../dsl/index.js'
import { paperField } from '../stdlib/fields/paper.js'
import { interpret } from '../compiler/ir/interpret.js'
import { ROOT, lower, rootPath, scalar, T } from './helpers.js'
import { expectFloat32Run } from './tolerance.js'

const OUT = path.join(ROOT, '.drift-cache', `aot-test-${process.pid}`)

const compile = (shapes: string, out = OUT) =>
  spawnSync(
    process.execPath,
    ['bin/drift.mjs', 'compile', 'stdlib/fields/paper.ts', '--fn', 'paperField', '--shapes', shapes, '-o', out],
    { cwd: ROOT, encoding: 'utf8' },
  )
const t = (n: number, phase: number) =>
  tensor(
    Float32Array.from({ length: n * 2 }, (_, i) => Math.sin(i + phase)),
    [n, 2],
  ) as Mat
const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'))

test('drift compile writes an artifact whose bundle runs without ts-morph and matches the JIT', async () => {
  fs.rmSync(OUT, { recursive: true, force: true })
  const r = compile('x=32x2,pos=48x2,neg=32x2')
  expect(r.status, r.stderr).toBe(0)
  const lines = r.stdout.trim().split('\n')
  expect(lines).toHaveLength(4)
  expect(lines[1]).toBe(
    `use it in Node: import { load } from '${path.join(OUT, 'drift-runtime.mjs')}'; const f = load('${OUT}'); await f.NAME(...args)`,
  )
  expect(lines[2]).toBe(
    `use it in a browser: serve ${OUT} over HTTP; import { load } from './drift-browser.mjs'; const { functions } = await load('./'); await functions.NAME(...args) (threads where the server sends Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)`,
  )
  expect(lines[3]).toBe('its README.md lists the compiled signatures and backends')
  const manifest = manifestOf(OUT)
  expect(manifest.format).toBe('drift-aot-2')
  const [entry] = manifest.functions.paperField.entries
  expect(entry.signature).toBe('x=f32[32,2], pos=f32[48,2], neg=f32[32,2], tau=f32')
  expect(entry.inputs.map((i: { path: string }) => i.path)).toEqual(['x', 'pos', 'neg', 'tau'])
  const base = entry.plans.wasm.replace(/\.wasm\.plan\.json$/, '')
  for (const f of [
    'manifest.json',
    'README.md',
    entry.plans.gpujs,
    entry.plans.wasm,
    `${base}.ir.txt`,
    `${base}.kernels.txt`,
    `${base}.kernels.js`,
    'drift-runtime.mjs',
    'drift-browser.mjs',
    'drift-browser-worker.mjs',
  ])
    expect(fs.existsSync(path.join(OUT, f)), f).toBe(true)
  const readme = fs.readFileSync(path.join(OUT, 'README.md'), 'utf8')
  expect(readme).toContain('`(x=f32[32,2], pos=f32[48,2], neg=f32[32,2], tau=f32)`: plans for gpujs, wasm')
  expect(readme).toContain("import { load } from './drift-runtime.mjs'")
  expect(readme).toContain("import { load } from './drift-browser.mjs'")
  expect(readme).toContain('`Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`')
  const bundle = fs.readFileSync(path.join(OUT, 'drift-runtime.mjs'), 'utf8')
  expect(bundle).not.toMatch(/ts-morph|typescript/i)
  expect(fs.readFileSync(path.join(OUT, `${base}.ir.txt`), 'utf8')).toMatch(/# paper\.ts:\d+:\d+/)
  // no path of the compiling machine: source locations are relative to the artifact folder, as the manifest's source
  for (const f of fs.readdirSync(OUT).filter((f) => !f.endsWith('.wasm')))
    expect(fs.readFileSync(path.join(OUT, f), 'utf8').includes(ROOT), `${f} names ${ROOT}`).toBe(false)
  const locFiles = new Set(
    [...fs.readFileSync(path.join(OUT, entry.plans.wasm), 'utf8').matchAll(/"loc":\{"file":"([^"]+)"/g)].map(
      (m) => m[1],
    ),
  )
  expect([...locFiles].map((f) => path.resolve(OUT, f)).sort()).toEqual(
    ['stdlib/fields/paper.ts', 'stdlib/fields/parts.ts'].map((f) => rootPath(f)),
  )

  const { load } = await import(pathToFileURL(path.join(OUT, 'drift-runtime.mjs')).href)
  const compiled = load(OUT, 'cpu')
  const [x, pos] = [t(32, 0), t(48, 1)]
  const aot = await compiled.paperField(x, pos, x, 0.4)
  setBackend('cpu')
  const jit = await paperField.run(x, pos, x, 0.4)
  expect(Array.from(aot.data)).toEqual(Array.from(jit.data))
  // and both are the field: float32 kernels against the float64 interpreter (test/tolerance.ts)
  const spec = lower(rootPath('stdlib/fields/paper.ts'), 'paperField', [T([32, 2]), T([48, 2]), T([32, 2]), T([])])
  const ins = [x, pos, x].map((m) => ({ shape: m.shape, dtype: 'f32' as const, data: Float64Array.from(m.data) }))
  expectFloat32Run(
    spec.graph,
    [aot],
    interpret(spec.graph, [...ins, scalar(0.4)], 'f64'),
    'paperField (compiled ahead of time)',
  )
  // the wasm kernels: written as .wasm binaries, run by the bundle like the JIT runs them
  for (const file of Object.values(entry.wasmKernels) as string[])
    expect(WebAssembly.validate(fs.readFileSync(path.join(OUT, file))), file).toBe(true)
  // the webgpu plan, lowered under 16 storage buffers a kernel (webgpu/limits.ts COMPILE_LIMITS): its WGSL is written on the device
  const webgpuPlan = JSON.parse(fs.readFileSync(path.join(OUT, entry.plans.webgpu), 'utf8')).plan as {
    steps: { k: string; kernel: { buffers: string[] } }[]
  }
  expect(entry.plans.webgpu).toBe(`${base}.webgpu.plan.json`)
  for (const st of webgpuPlan.steps.filter((s) => s.k === 'launch'))
    expect(st.kernel.buffers.length).toBeLessThanOrEqual(15)
  const viaWasm = await load(OUT).paperField(x, pos, x, 0.4)
  setBackend('wasm')
  expect(Array.from(viaWasm.data)).toEqual(Array.from((await paperField.run(x, pos, x, 0.4)).data))
  await expect(compiled.paperField(t(31, 0), pos, x, 0.4)).rejects.toThrow(
    /^paperField was not compiled for \(x=f32\[31,2\], pos=f32\[48,2\], neg=f32\[32,2\], tau=f32\); its compiled signatures are: \(x=f32\[32,2\], pos=f32\[48,2\], neg=f32\[32,2\], tau=f32\)/,
  )
  fs.rmSync(OUT, { recursive: true, force: true })
}, 240_000)

test('one artifact holds several shapes of a function, each chosen by the call; copied elsewhere it runs without the repository', async () => {
  const dir = path.join(ROOT, '.drift-cache', `aot-shapes-${process.pid}`)
  fs.rmSync(dir, { recursive: true, force: true })
  for (const shapes of ['x=8x2,pos=12x2,neg=8x2', 'x=16x2,pos=4x2,neg=16x2', 'x=8x2,pos=12x2,neg=8x2']) {
    const r = compile(shapes, dir)
    expect(r.status, r.stderr).toBe(0)
  }
  // the same shape compiled again replaces its entry
  expect(manifestOf(dir).functions.paperField.entries.map((e: { signature: string }) => e.signature)).toEqual([
    'x=f32[16,2], pos=f32[4,2], neg=f32[16,2], tau=f32',
    'x=f32[8,2], pos=f32[12,2], neg=f32[8,2], tau=f32',
  ])
  // outside the repository: no gpu.js to find, the wasm mode needs nothing
  const away = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-aot-'))
  fs.cpSync(dir, away, { recursive: true })
  const { load } = await import(pathToFileURL(path.join(away, 'drift-runtime.mjs')).href)
  const f = load(away)
  setBackend('wasm')
  for (const [n, m] of [
    [8, 12],
    [16, 4],
  ]) {
    const [x, pos] = [t(n, 2), t(m, 3)]
    const got = await f.paperField(x, pos, x, 0.3)
    expect(got.shape).toEqual([n, 2])
    expect(Array.from(got.data)).toEqual(Array.from((await paperField.run(x, pos, x, 0.3)).data))
  }
  expect(() => load(away, 'cpu')).toThrow(
    'the cpu mode runs gpu.js, which is not installed here: npm install gpu.js (the default wasm mode needs nothing)',
  )
  fs.rmSync(away, { recursive: true, force: true })
  fs.rmSync(dir, { recursive: true, force: true })
}, 240_000)

test('a manifest is validated before use: paths stay in the folder, plans belong to their entry, old formats are refused', async () => {
  const dir = path.join(ROOT, '.drift-cache', `aot-checks-${process.pid}`)
  fs.rmSync(dir, { recursive: true, force: true })
  expect(compile('x=4x2,pos=4x2,neg=4x2', dir).status).toBe(0)
  expect(compile('x=6x2,pos=4x2,neg=6x2', dir).status).toBe(0)
  const { load } = await import(pathToFileURL(path.join(dir, 'drift-runtime.mjs')).href)
  const original = fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')
  const withManifest = (
    edit: (m: { functions: { paperField: { entries: { plans: Record<string, string> }[] } } }) => void,
  ) => {
    const m = JSON.parse(original)
    edit(m)
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m))
    return () => load(dir)
  }
  const entries = JSON.parse(original).functions.paperField.entries
  expect(
    withManifest((m) => {
      m.functions.paperField.entries[0].plans.wasm = '../../../../etc/passwd'
    }),
  ).toThrow(
    /plans\.wasm: "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" is not a file name in the artifact folder \(no folders, no '\.\.'\)$/,
  )
  expect(
    withManifest((m) => {
      m.functions.paperField.entries[0].plans.wasm = entries[1].plans.wasm
    }),
  ).toThrow(
    /is the wasm plan of paperField\(x=f32\[6,2\], .*\), not the wasm plan of paperField\(x=f32\[4,2\], .*\) that the manifest names it for$/,
  )
  expect(
    withManifest((m) => {
      m.functions.paperField.entries[0].plans.wasm = entries[0].plans.gpujs
    }),
  ).toThrow(/is the gpujs plan of paperField\(x=f32\[4,2\].*\), not the wasm plan/)
  expect(
    withManifest((m) => {
      Object.assign(m, { format: 'drift-aot-1' })
    }),
  ).toThrow(
    /manifest\.json is in the older format drift-aot-1, which this runtime does not load \(the kernel IR changed\): compile it again with drift compile$/,
  )
  expect(
    withManifest((m) => {
      ;(m.functions.paperField.entries[0] as unknown as { inputs: { shape: unknown }[] }).inputs[0].shape = [1e20, 2]
    }),
  ).toThrow(/a shape is a list of at most 8 non-negative integers/)
  fs.writeFileSync(path.join(dir, 'manifest.json'), original)
  // each kernel's .wasm module: valid WebAssembly, and the module of that kernel (its imports and arity)
  const arity = new Map(
    (
      JSON.parse(fs.readFileSync(path.join(dir, entries[0].plans.wasm), 'utf8')).plan.steps as {
        k: string
        kernel: { name: string; buffers: string[]; scalars: string[] }
      }[]
    )
      .filter((st) => st.k === 'launch')
      .map((st) => [st.kernel.name, st.kernel.buffers.length + st.kernel.scalars.length]),
  )
  const [a, b] = [...arity.keys()].filter((k, _, all) => all.some((o) => arity.get(o) !== arity.get(k)))
  const [fileA, fileB] = [a, b].map((k) => path.join(dir, entries[0].wasmKernels[k]))
  const bytesA = fs.readFileSync(fileA)
  fs.writeFileSync(fileA, 'not WebAssembly')
  expect(() => load(dir)).toThrow(`${fileA} is not a valid WebAssembly module: compile the artifact again`)
  fs.copyFileSync(fileB, fileA)
  const x4 = t(4, 0)
  await expect(load(dir).paperField(x4, x4, x4, 0.3)).rejects.toThrow(
    new RegExp(`^the WebAssembly module given for kernel ${a} is not that kernel's: .* compile the artifact again$`),
  )
  fs.writeFileSync(fileA, bytesA)
  await load(dir).paperField(x4, x4, x4, 0.3)
  const plan = JSON.parse(fs.readFileSync(path.join(dir, entries[0].plans.wasm), 'utf8'))
  plan.plan.buffers[0].name = 'x; process.exit(1)'
  fs.writeFileSync(path.join(dir, entries[0].plans.wasm), JSON.stringify(plan))
  expect(() => load(dir)).toThrow(/name "x; process\.exit\(1\)" is not an identifier$/)
  // compiling into a folder of another format replaces nothing
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ format: 'drift-aot-1', entries: {} }))
  const refused = compile('x=4x2,pos=4x2,neg=4x2', dir)
  expect(refused.status).toBe(2)
  expect(refused.stderr.trim()).toMatch(
    /^drift: .*manifest\.json is in the older format drift-aot-1.*: choose another -o folder$/,
  )
  fs.rmSync(dir, { recursive: true, force: true })
}, 240_000)

test('drift compile refuses a kernel pseudo-filesystem before touching it', () => {
  const r = compile('x=4x2,pos=4x2,neg=4x2', '/proc/x')
  expect(r.status).toBe(2)
  expect(r.stderr.trim()).toBe(
    "drift: cannot write to /proc/x: it is on the kernel's proc filesystem, not on disk; choose a folder on disk",
  )
})

test('drift compile refuses an unwritable output directory with one line', () => {
  const blocker = path.join(ROOT, '.drift-cache', `aot-blocker-${process.pid}`)
  fs.mkdirSync(path.dirname(blocker), { recursive: true })
  fs.writeFileSync(blocker, 'a file, not a directory')
  const r = spawnSync(
    process.execPath,
    [
      'bin/drift.mjs',
      'compile',
      'stdlib/fields/paper.ts',
      '--fn',
      'paperField',
      '--shapes',
      'x=4x2,pos=4x2,neg=4x2',
      '-o',
      path.join(blocker, 'out'),
    ],
    { cwd: ROOT, encoding: 'utf8' },
  )
  expect(r.status).not.toBe(0)
  expect(r.stderr.trim()).toMatch(/^drift: cannot write to /)
  expect(fs.readFileSync(blocker, 'utf8')).toBe('a file, not a directory')
  fs.rmSync(blocker)
})
