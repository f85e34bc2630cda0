/** The drift command: inspect prints IR pointing into the source; bad input gets one line and a non-zero exit. */
import { spawnSync } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { ROOT } from './helpers.js'

const drift = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/drift.mjs', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, DRIFT_CACHE: 'off' },
  })
  return { code: r.status, out: r.stdout, err: r.stderr.trim() }
}
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
    const r = drift(...PAPER, '--shapes', 'x=64x2,pos=128x2,neg=64x2', '--dump', 'kernels', '--explain')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^plan: [1-5] kernel\(s\)/)
    expect(r.out).toMatch(/launch k_\w+ → \w+ f32\[64,2\]/)
    expect(r.out).toMatch(/from stdlib\/fields\/paper\.ts:\d+:\d+/)
    expect(r.out).toMatch(/kernel k_\w+\(.*\) -> \w+ \{\n(.|\n)*\n  return .*\n\}/)
    expect(r.out).toMatch(/why:\n  \w+: (materialized|recomputed)/)
  })

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
        drift(...PAPER, '--shapes', 'x=64x2,pos=128x2,neg=64x2', '--dump', 'kernels').out,
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
      /^drift: stdlib\/fields\/paper\.ts has no DSL function 'nope'; it defines: paperField$/,
    ],
    [[...PAPER, '--shapes', 'x=64xa,pos=1x2,neg=1x2'], /^drift: bad shape '64xa' for 'x'/],
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

describe('drift run', () => {
  test('runs a TypeScript program that calls DSL functions (the README main job)', () => {
    const r = drift('run', 'examples/paper-field.ts')
    expect(r.code).toBe(0)
    expect(r.out).toContain('{ lambda x:f32[64,2] pos:f32[128,2] neg:f32[64,2] tau:f32[] .')
    expect(r.out).toMatch(/data far from generator: mean drift \(0\.\d+/)
  })
})
