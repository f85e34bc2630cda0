/** Ahead-of-time artifacts: drift compile writes kernels, plan, manifest, IR and a runtime bundle without the compiler. */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect, test } from 'vitest'
import { setBackend, tensor, type Mat } from '../dsl/index.js'
import { paperField } from '../stdlib/fields/paper.js'
import { interpret } from '../compiler/ir/interpret.js'
import { ROOT, lower, rootPath, scalar, T } from './helpers.js'
import { expectFloat32Run } from './tolerance.js'

const OUT = path.join(ROOT, '.drift-cache', `aot-test-${process.pid}`)

test('drift compile writes an artifact whose bundle runs without ts-morph and matches the JIT', async () => {
  fs.rmSync(OUT, { recursive: true, force: true })
  const r = spawnSync(
    process.execPath,
    [
      'bin/drift.mjs',
      'compile',
      'stdlib/fields/paper.ts',
      '--fn',
      'paperField',
      '--shapes',
      'x=32x2,pos=48x2,neg=32x2',
      '-o',
      OUT,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  )
  expect(r.status, r.stderr).toBe(0)
  for (const f of [
    'manifest.json',
    'paperField.plan.json',
    'paperField.ir.txt',
    'paperField.kernels.txt',
    'paperField.kernels.js',
    'drift-runtime.mjs',
  ])
    expect(fs.existsSync(path.join(OUT, f)), f).toBe(true)
  const bundle = fs.readFileSync(path.join(OUT, 'drift-runtime.mjs'), 'utf8')
  expect(bundle).not.toMatch(/ts-morph|typescript/i)
  const manifest = JSON.parse(fs.readFileSync(path.join(OUT, 'manifest.json'), 'utf8'))
  expect(manifest.entries.paperField.inputs.map((i: { path: string }) => i.path)).toEqual(['x', 'pos', 'neg', 'tau'])
  expect(fs.readFileSync(path.join(OUT, 'paperField.ir.txt'), 'utf8')).toMatch(/# paper\.ts:\d+:\d+/)

  const { load } = await import(pathToFileURL(path.join(OUT, 'drift-runtime.mjs')).href)
  const compiled = load(OUT, 'cpu')
  const t = (n: number, phase: number) =>
    tensor(
      Float32Array.from({ length: n * 2 }, (_, i) => Math.sin(i + phase)),
      [n, 2],
    ) as Mat
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
  const wasmPlan = JSON.parse(fs.readFileSync(path.join(OUT, 'paperField.wasm-plan.json'), 'utf8')) as {
    steps: { k: string; kernel: { name: string } }[]
  }
  for (const st of wasmPlan.steps.filter((s) => s.k === 'launch'))
    expect(
      WebAssembly.validate(fs.readFileSync(path.join(OUT, `paperField.${st.kernel.name}.wasm`))),
      st.kernel.name,
    ).toBe(true)
  // the webgpu plan, lowered under 16 storage buffers a kernel (webgpu/limits.ts COMPILE_LIMITS): its WGSL is written on the device
  const webgpuPlan = JSON.parse(fs.readFileSync(path.join(OUT, 'paperField.webgpu-plan.json'), 'utf8')) as {
    steps: { k: string; kernel: { buffers: string[] } }[]
  }
  expect(manifest.entries.paperField.webgpuPlan).toBe('paperField.webgpu-plan.json')
  for (const st of webgpuPlan.steps.filter((s) => s.k === 'launch'))
    expect(st.kernel.buffers.length).toBeLessThanOrEqual(15)
  const viaWasm = await load(OUT).paperField(x, pos, x, 0.4)
  setBackend('wasm')
  expect(Array.from(viaWasm.data)).toEqual(Array.from((await paperField.run(x, pos, x, 0.4)).data))
  await expect(compiled.paperField(t(31, 0), pos, x, 0.4)).rejects.toThrow(
    /argument x was compiled for f32\[32,2\], got f32\[31,2\]/,
  )
  fs.rmSync(OUT, { recursive: true, force: true })
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
