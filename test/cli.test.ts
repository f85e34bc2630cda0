/** The drift command: inspect prints IR pointing into the source; bad input gets one line and a non-zero exit. */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { ROOT, T, lower, rootPath } from './helpers.js'
import { runDrift } from './driftCommand.js'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { printPlan } from '../compiler/kernel/print.js'
import { backendNamed } from '../compiler/backend/index.js'

const driftWith = (env: Record<string, string>, ...args: string[]) =>
  runDrift({ env: { DRIFT_CACHE: 'off', ...env } }, ...args)
const drift = (...args: string[]) => driftWith({}, ...args)
const PAPER = ['inspect', 'stdlib/fields/paper.ts', '--fn', 'paperField']

describe('drift inspect', () => {
  test('prints the paper field IR, every equation pointing into paper.ts or the shared parts it calls', () => {
    const r = drift(...PAPER, '--shapes', 'x=64x2,pos=128x2,neg=64x2', '--dump', 'ir')
    expect(r.code).toBe(0)
    const lines = r.out.split('\n')
    expect(lines[0]).toBe('{ lambda x:f32[64,2] pos:f32[128,2] neg:f32[64,2] tau:f32[] .')
    const eqns = lines.filter((l) => / = /.test(l))
    expect(eqns.length).toBeGreaterThan(10)
    for (const l of eqns) expect(l).toMatch(/# stdlib\/fields\/(paper|parts)\.ts:\d+:\d+$/)
    expect(r.out).toMatch(/concat\[axis=1\] \w+ \w+ +# stdlib\/fields\/paper\.ts:\d+:\d+/)
    expect(r.out).toMatch(/cdist\[squared=false, eps=1e-8\] x pos/)
    expect(r.out).toMatch(/matmul \w+ neg/)
  })

  test('--dump kernels prints the fused plan and each kernel; --explain says why each buffer exists', () => {
    const r = drift(
      ...PAPER,
      '--shapes',
      'x=64x2,pos=128x2,neg=64x2',
      '--dump',
      'kernels',
      '--explain',
      '--backend',
      'cpu',
    )
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^# the plan the cpu backend runs\nplan: [1-5] kernel\(s\)/)
    expect(r.out).toMatch(/launch k_\w+ → \w+ f32\[64,2\]/)
    expect(r.out).toMatch(/from stdlib\/fields\/paper\.ts:\d+:\d+/)
    expect(r.out).toMatch(/kernel k_\w+\(.*\) -> \w+ \{\n(.|\n)*\n  return .*\n\}/)
    expect(r.out).toMatch(/why:\n  \w+: (materialized|recomputed)/)
  })

  test('--dump kernels shows the plan of the backend that runs it: --backend, else DRIFT_BACKEND, as drift run chooses', () => {
    const shapes = [[64, 2], [128, 2], [64, 2], []]
    const { graph } = lower(
      rootPath('stdlib/fields/paper.ts'),
      'paperField',
      shapes.map((s) => T(s)),
    )
    const planText = (name: 'wasm' | 'cpu') =>
      printPlan(lowerGraph(graph, {}, backendNamed(name).limits!()).plan, { code: true })
    // the two backends lower this program differently: the check below can tell which plan was printed
    expect(planText('wasm')).not.toBe(planText('cpu'))
    const args = [...PAPER, '--shapes', 'x=64x2,pos=128x2,neg=64x2', '--dump', 'kernels']
    for (const [name, r] of [
      ['wasm', drift(...args, '--backend', 'wasm')],
      ['cpu', drift(...args, '--backend', 'cpu')],
      ['wasm', driftWith({ DRIFT_BACKEND: 'wasm' }, ...args)],
      ['cpu', driftWith({ DRIFT_BACKEND: 'cpu' }, ...args)],
    ] as const) {
      expect(r.code, r.err).toBe(0)
      const [head, ...rest] = r.out.split('\n')
      expect(head).toBe(`# the plan the ${name} backend runs`)
      expect(rest.join('\n').startsWith(planText(name))).toBe(true)
      expect(r.out).toMatch(
        name === 'wasm' ? /^\/\/ k_\w+: tiles of .*bytes of WebAssembly$/m : /^\/\/ k_\w+: gpu\.js kernel source$/m,
      )
    }
    const interp = drift(...args, '--backend', 'interpreter')
    expect(interp.out).toMatch(/^# the interpreter backend runs the L1 graph itself, without kernels/)
    expect(drift(...args, '--backend', 'tpu').err).toMatch(
      /^drift: unknown backend 'tpu': choose one of auto, interpreter, wasm/,
    )
  }, 240_000)

  test('the IR prints eps only where cdist uses it (under the square root)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-cdist-'))
    const file = path.join(dir, 'sq.ts')
    fs.writeFileSync(
      file,
      "import { dsl, cdist, type Mat } from 'drift-dsl'\nexport const both = dsl((x: Mat, y: Mat) => [cdist(x, y, { squared: true }), cdist(x, y, { eps: 1e-6 })])\n",
    )
    const r = drift('inspect', file, '--fn', 'both', '--shapes', 'x=3x2,y=4x2')
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/= cdist\[squared=true\] x y/)
    expect(r.out).toMatch(/= cdist\[squared=false, eps=0\.000001\] x y|= cdist\[squared=false, eps=1e-6\] x y/)
    fs.rmSync(dir, { recursive: true })
  })

  test('--fn-arg passes a DSL function from a file to a function-valued parameter; without it the message says so', () => {
    const shapes = 'params.0.w=32x16,params.0.b=16,params.1.w=16x2,params.1.b=2,noise=8x32,data=8x2'
    const loss = ['inspect', 'stdlib/toy2d/step.ts', '--fn', 'driftingLoss', '--shapes', shapes]
    const r = drift(...loss, '--fn-arg', 'field=stdlib/fields/paper.ts:paperField')
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/= cdist\[squared=false, eps=1e-8\] \w+ data\s+# stdlib\/fields\/paper\.ts:\d+:\d+$/m)
    const missing = drift(...loss)
    expect(missing.code).toBe(2)
    expect(missing.err).toBe(
      "drift: parameter 'field' (Field) takes a function: add --fn-arg field=path/to/file.ts:exportName (a DSL function of that file)",
    )
    const wrongFile = drift(...loss, '--fn-arg', 'field=stdlib/fields/nothere.ts:paperField')
    expect(wrongFile.err).toMatch(
      /^drift: --fn-arg field stdlib\/fields\/nothere\.ts:paperField: no such file .*nothere\.ts$/,
    )
    const notReference = drift(...loss, '--fn-arg', 'field=paperField')
    expect(notReference.err).toMatch(
      /^drift: --fn-arg field 'paperField' is not a file reference: write path\/to\/file\.ts:exportName/,
    )
  })

  test("a function that is not a DSL entry point gets the frontend's diagnostic (D301), not a line of inspect's own", () => {
    const r = drift('inspect', 'test/fixtures/plainEntries.ts', '--fn', 'plainArrow', '--shapes', 'x=2x2')
    expect(r.code).toBe(1)
    expect(r.err).toMatch(
      /^test\/fixtures\/plainEntries\.ts:\d+:\d+: error D301 \(entry point\): 'plainArrow' is a plain function, not a DSL function: entry points are wrapped in dsl\(\.\.\.\)\n {2}found: .*\n {2}fix: {3}wrap it: export const plainArrow = dsl\(/,
    )
    expect(r.out).toBe('')
  })

  test('--watch prints again when the source changes, and goes on after an error', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-watch-'))
    const file = path.join(dir, 'f.ts')
    const source = (op: string) =>
      `import { dsl, type Mat } from 'drift-dsl'\nexport const f = dsl((x: Mat): Mat => x.${op}())\n`
    fs.writeFileSync(file, source('exp'))
    const child = spawn(
      process.execPath,
      ['bin/drift.mjs', 'inspect', file, '--fn', 'f', '--shapes', 'x=2x3', '--watch'],
      {
        cwd: ROOT,
        env: { ...process.env, DRIFT_CACHE: 'off' },
      },
    )
    let out = ''
    let err = ''
    const waiters: (() => void)[] = []
    const seen = (re: RegExp, from: () => string) =>
      new Promise<void>((resolve) => {
        const check = () => (re.test(from()) ? resolve() : waiters.push(check))
        check()
      })
    const wake = () => waiters.splice(0).forEach((w) => w())
    child.stdout.on('data', (d: Buffer) => ((out += d.toString()), wake()))
    child.stderr.on('data', (d: Buffer) => ((err += d.toString()), wake()))
    try {
      await seen(/= exp x/, () => out)
      fs.writeFileSync(file, source('tanh'))
      await seen(/f\.ts changed: compiled again\n\{ lambda x:f32\[2,3\] \.\n(.*\n)*.*= tanh x/, () => out)
      fs.writeFileSync(file, source('frobnicate'))
      await seen(/error D\d+/, () => err)
      fs.writeFileSync(file, source('sqrt'))
      await seen(/= sqrt x/, () => out)
    } finally {
      child.kill()
      fs.rmSync(dir, { recursive: true })
    }
    expect(out.match(/^\{ lambda/gm)).toHaveLength(3)
  }, 240_000)

  test('--dump wgsl shows the webgpu plan and the WGSL of each of its kernels (made without a device); --dump js and glsl the gpu.js sources and translations', () => {
    const wgsl = drift(...PAPER, '--shapes', 'x=64x2,pos=128x2,neg=64x2', '--dump', 'wgsl')
    expect(wgsl.code).toBe(0)
    expect(wgsl.out).toMatch(/^\/\/ webgpu plan and WGSL for /m)
    const planned = Number(/^plan: (\d+) kernel\(s\)/m.exec(wgsl.out)![1])
    expect(planned).toBeGreaterThan(0)
    expect((wgsl.out.match(/^\/\/ k_\w+: (one thread|staged contraction)/gm) ?? []).length).toBe(planned)
    expect((wgsl.out.match(/^@compute @workgroup_size/gm) ?? []).length).toBe(planned)
    const kernels = Number(
      /^plan: (\d+) kernel\(s\)/m.exec(
        drift(...PAPER, '--shapes', 'x=64x2,pos=128x2,neg=64x2', '--dump', 'kernels', '--backend', 'cpu').out,
      )![1],
    )
    const js = drift(...PAPER, '--shapes', 'x=64x2,pos=128x2,neg=64x2', '--dump', 'js')
    expect((js.out.match(/^function\(/gm) ?? []).length).toBe(kernels)
    const glsl = drift(...PAPER, '--shapes', 'x=64x2,pos=128x2,neg=64x2', '--dump', 'glsl')
    expect((glsl.out.match(/^void kernel\(\) \{/gm) ?? []).length).toBe(kernels)
    expect(glsl.out).toMatch(/kernelResult = /)
  })

  test('--dump grad prints value and gradient with source locations', () => {
    const r = drift(
      'inspect',
      'test/fixtures/grads.ts',
      '--fn',
      'matmulLoss',
      '--shapes',
      'a=6x5,b=5x7',
      '--dump',
      'grad',
      '--wrt',
      'a,b',
    )
    expect(r.code).toBe(0)
    const eqns = r.out.split('\n').filter((l) => / = /.test(l))
    for (const l of eqns) expect(l).toMatch(/# test\/fixtures\/grads\.ts:\d+:\d+$/)
    expect(eqns.filter((l) => /= matmul /.test(l)).map((l) => l.match(/:f32\[(\d+,\d+)\]/)![1])).toEqual([
      '6,7',
      '6,5',
      '5,7',
    ])
    expect(r.out).toMatch(/in \(\w+, \w+, \w+\) \}/)
  })

  test.each([
    [
      [...PAPER, '--shapes', 'x=64x2,pos=128x2,neg=64x2', '--dump', 'grad', '--wrt', 'q'],
      /^drift: --wrt 'q' is not a parameter of 'paperField'/,
    ],
    [
      ['inspect', 'stdlib/fields/missing.ts', '--fn', 'paperField'],
      /^drift: no such file: stdlib\/fields\/missing\.ts$/,
    ],
    [
      [...PAPER.slice(0, 3), 'nope', '--shapes', 'x=1x2'],
      /^stdlib\/fields\/paper\.ts:1:1: error D301 \(entry point\): no DSL function named 'nope' in paper\.ts$/,
    ],
    [[...PAPER, '--shapes', 'x=64xa,pos=1x2,neg=1x2'], /^drift: bad shape '64xa' for 'x'/],
    [[...PAPER, '--shapes', 'x=64x-2,pos=1x2,neg=1x2'], /^drift: bad shape '64x-2' for 'x'/],
    [[...PAPER, '--shapes', 'x=2.5x2,pos=1x2,neg=1x2'], /^drift: bad shape '2\.5x2' for 'x'/],
    [
      [...PAPER, '--shapes', 'x=99999999999999999999x2,pos=1x2,neg=1x2'],
      /^drift: bad shape '99999999999999999999x2' for 'x': sizes are positive integers/,
    ],
    [
      [...PAPER, '--shapes', 'x=65536x65536,pos=1x2,neg=1x2'],
      /^drift: shape '65536x65536' for 'x' has 4\.29e\+9 elements, over the limit of 2\^31 − 1/,
    ],
    [
      [...PAPER, '--shapes', 'x=,pos=1x2,neg=1x2'],
      /^drift: no shape for 'x': write its sizes, e\.g\. x=64x2, or x=scalar/,
    ],
    [[...PAPER, '--shapes', 'x=64x2,pos=128x2'], /^drift: no shape for parameter 'neg'/],
    [[...PAPER, '--shapes', 'x=64x2,pos=128x2,neg=64x2,y=1x1'], /^drift: 'paperField' has no parameter 'y'/],
    [[...PAPER, '--shapes', 'x=64x2,pos=128x2,neg=64x2', '--dump', 'asm'], /^drift: unknown --dump 'asm'/],
    [['inspect', 'stdlib/fields/paper.ts'], /^drift: missing --fn/],
    [['frobnicate'], /^drift: unknown command 'frobnicate'/],
  ])('bad input %j: one clear line, non-zero exit', (args, message) => {
    const r = drift(...args)
    expect(r.code).not.toBe(0)
    expect(r.err.split('\n')[0]).toMatch(message)
    expect(r.out).toBe('')
  })

  test('a shape mismatch names the source location of the operation', () => {
    const r = drift(...PAPER, '--shapes', 'x=64x2,pos=128x3,neg=64x2')
    expect(r.code).not.toBe(0)
    expect(r.err).toMatch(
      /stdlib\/fields\/paper\.ts:\d+:\d+: error D201 \(shape mismatch\): cdist of \[64,2\] and \[128,3\]/,
    )
  })
})

describe('drift playground', () => {
  test('a bad --port, an argument or a port in use is one line and exit 2, before anything is served', async () => {
    for (const [args, line] of [
      [['--port', 'abc'], "drift: --port must be a whole number from 1 to 65535, got 'abc'"],
      [['--port', '70000'], "drift: --port must be a whole number from 1 to 65535, got '70000'"],
      [['site'], 'drift: playground takes no file: drift playground [--port N]'],
    ] as const) {
      const r = drift('playground', ...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.err.split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.err.startsWith(line), r.err).toBe(true)
    }
    const http = await import('node:http')
    const taken = http.createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as { port: number }).port
    try {
      const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
        const p = spawn(process.execPath, ['bin/drift.mjs', 'playground', '--port', String(port)], { cwd: ROOT })
        let err = ''
        p.stderr.on('data', (d) => (err += d))
        p.on('close', (code) => resolve({ code, err: err.trim() }))
      })
      expect(r.code).toBe(2)
      expect(r.err).toBe(`drift: port ${port} on 127.0.0.1 is in use: choose another with --port N`)
    } finally {
      taken.close()
    }
  })
})

describe('drift run', () => {
  test('runs a TypeScript program that calls DSL functions (the README main job)', () => {
    const r = drift('run', 'examples/paper-field.ts')
    expect(r.code).toBe(0)
    expect(r.out).toContain('{ lambda x:f32[64,2] pos:f32[128,2] neg:f32[64,2] tau:f32[] .')
    expect(r.out).toMatch(/data far from generator: mean drift \(0\.\d+/)
  })

  test('examples/affinity-floor.ts: the floored affinity draws narrow samples together, the unfloored one spreads them (docs/mnist.md#the-affinity-floor)', () => {
    const r = drift('run', 'examples/affinity-floor.ts')
    expect(r.code, r.err).toBe(0)
    const rows = new Map(
      [...r.out.matchAll(/^ +(\d\.\d) +(-?\d\.\d+) +(-?\d\.\d+)$/gm)].map((m) => [m[1], [Number(m[2]), Number(m[3])]]),
    )
    expect([...rows.keys()]).toEqual(['0.1', '0.2', '0.3', '0.5', '0.7', '1.0', '1.2'])
    const [floored, unfloored] = [0, 1].map((k) => (s: string) => rows.get(s)![k])
    // narrow samples: drawn together with the floor, spread out without it
    for (const s of ['0.2', '0.3']) expect(floored(s), `floor, s = ${s}`).toBeLessThan(-0.005)
    for (const s of ['0.1', '0.2', '0.3', '0.5', '0.7'])
      expect(unfloored(s), `no floor, s = ${s}`).toBeGreaterThan(0.02)
    // wider than the data: both draw together
    for (const f of [floored, unfloored]) expect(f('1.2')).toBeLessThan(-0.02)
  })
})
