/**
 * Drift used from another project, as a researcher sets it up: `npm pack`, `npm install` of the
 * tarball into a fresh project, a field of their own importing `drift-dsl` and the stdlib, a
 * tsconfig extending the package's, then tsc, `npx drift inspect` and `npx drift run`. The field's
 * values are compared with the float64 reference interpreter. npm reads packages from its cache
 * when it has them (--prefer-offline).
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { ROOT, T, lower, rootPath, scalar } from './helpers.js'
import { interpret } from '../compiler/ir/interpret.js'
import { expectFloat32Run } from './tolerance.js'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-package-'))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const sh = (cmd: string, args: string[], cwd: string) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, DRIFT_BACKEND: 'wasm' } })
  return { code: r.status, out: r.stdout, err: r.stderr, all: `${r.stdout}\n${r.stderr}` }
}
const typescriptVersion = JSON.parse(fs.readFileSync(rootPath('node_modules/typescript/package.json'), 'utf8')).version

const MAIN = `import { tensor, type Mat } from 'drift-dsl'
import { paperField } from 'drift-dsl/stdlib/fields/paper.js'
import { cauchyField } from './fields.js'

const x = tensor(Float32Array.from({ length: 16 }, (_, i) => Math.sin(i)), [8, 2]) as Mat
const pos = tensor(Float32Array.from({ length: 12 }, (_, i) => Math.cos(i)), [6, 2]) as Mat
const own = await cauchyField.run(x, pos, x, 0.5)
const paper = await paperField.run(x, pos, x, 0.5)
console.log(JSON.stringify({ own: Array.from(own.data), paper: paper.shape }))
`

test('npm pack, npm install into a new project, tsc with its own tsconfig, npx drift inspect and run', () => {
  const pack = sh('npm', ['pack', '--silent', '--pack-destination', work], ROOT)
  expect(pack.code, pack.all).toBe(0)
  const tarball = path.join(work, pack.out.trim().split('\n').at(-1)!)
  const project = path.join(work, 'project')
  fs.mkdirSync(path.join(project, 'src'), { recursive: true })
  fs.writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'my-fields', private: true, type: 'module' }),
  )
  const install = sh(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      tarball,
      `typescript@${typescriptVersion}`,
      '@types/node@20',
    ],
    project,
  )
  expect(install.code, install.all).toBe(0)
  fs.copyFileSync(rootPath('test/fixtures/own/fields.ts'), path.join(project, 'src/fields.ts'))
  fs.writeFileSync(path.join(project, 'src/main.ts'), MAIN)
  fs.writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({ extends: 'drift-dsl/tsconfig.json', include: ['src'] }),
  )

  const tsc = sh('npx', ['tsc', '--noEmit', '-p', '.'], project)
  expect(tsc.code, tsc.all).toBe(0)

  const inspect = sh(
    'npx',
    ['drift', 'inspect', 'src/fields.ts', '--fn', 'cauchyField', '--shapes', 'x=8x2,pos=6x2,neg=8x2'],
    project,
  )
  expect(inspect.code, inspect.all).toBe(0)
  expect(inspect.out).toMatch(/= cdist\[squared=true\] x pos\s+# src\/fields\.ts:\d+:\d+$/m)

  const run = sh('npx', ['drift', 'run', 'src/main.ts'], project)
  expect(run.code, run.all).toBe(0)
  const printed = JSON.parse(run.out.trim().split('\n').at(-1)!) as { own: number[]; paper: number[] }
  expect(printed.paper).toEqual([8, 2])
  // the field against the float64 reference, on the same float32 inputs
  const x = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i))
  const pos = Float32Array.from({ length: 12 }, (_, i) => Math.cos(i))
  const spec = lower(rootPath('test/fixtures/own/fields.ts'), 'cauchyField', [T([8, 2]), T([6, 2]), T([8, 2]), T([])])
  const f64 = (data: Float32Array, shape: number[]) => ({ shape, dtype: 'f32' as const, data: Float64Array.from(data) })
  const want = interpret(spec.graph, [f64(x, [8, 2]), f64(pos, [6, 2]), f64(x, [8, 2]), scalar(0.5)], 'f64')
  const got = [{ shape: [8, 2], dtype: 'f32' as const, data: Float32Array.from(printed.own) }]
  expectFloat32Run(spec.graph, got, want, 'cauchyField from an installed package')
}, 300_000)
