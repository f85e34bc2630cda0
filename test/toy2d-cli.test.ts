/**
 * `drift train toy2d` and `drift sample` as a user runs them: a short run learns (MMD threshold),
 * a run killed with SIGKILL and resumed ends bit for bit where an uninterrupted one does, a NaN
 * stops the run, and bad input gets one clear line and a non-zero exit without touching files.
 */
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ROOT } from './helpers.js'
import { loadCheckpoint } from '../stdlib/toy2d/checkpoint.js'
import { writeLegacyCheckpoint } from './legacyCheckpoint.js'

let work: string
const env = () => ({ ...process.env, DRIFT_CACHE_DIR: path.join(work, 'cache') })
const drift = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/drift.mjs', ...args], { cwd: ROOT, encoding: 'utf8', env: env() })
  return {
    code: r.status,
    out: r.stdout,
    err: r.stderr
      .split('\n')
      .filter((l) => !/^drift: backend auto|^Warning: /.test(l))
      .join('\n')
      .trim(),
  }
}
const at = (...p: string[]) => path.join(work, ...p)
const stateOf = (dir: string) => loadCheckpoint(dir).state

/** A small run: 64-wide generator, 128 points per step. */
const SMALL = { data: 'swiss', batch: 128, dataBatch: 128, hidden: [64, 64, 64], evalSamples: 256, plotAt: [0] }

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-toy2d-cli-'))
})
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

describe('drift train toy2d', () => {
  test('without --out a run goes to out/toy2d/<data>-<field>, and the next one beside it', () => {
    const home = at('home')
    fs.mkdirSync(home, { recursive: true })
    const tiny = [
      'train',
      'toy2d',
      '--steps',
      '2',
      '--batch',
      '16',
      '--data-batch',
      '16',
      '--hidden',
      '8',
      '--plot-at',
      '',
      '--eval-samples',
      '64',
    ]
    const run = () =>
      spawnSync(process.execPath, [path.join(ROOT, 'bin/drift.mjs'), ...tiny], {
        cwd: home,
        encoding: 'utf8',
        env: env(),
      })
    const [first, second] = [run(), run()]
    expect(first.status, first.stderr).toBe(0)
    expect(second.status, second.stderr).toBe(0)
    expect(first.stderr).toMatch(/writing the run into out\/toy2d\/swiss-paperField\n/)
    expect(second.stderr).toMatch(/writing the run into out\/toy2d\/swiss-paperField-2\n/)
    for (const dir of ['swiss-paperField', 'swiss-paperField-2'])
      expect(fs.existsSync(path.join(home, 'out/toy2d', dir, 'checkpoint.safetensors')), dir).toBe(true)
  })

  test('a short run learns the swiss roll: MMD² below 0.1 (the untrained point mass is far above), and drift sample draws from it', () => {
    const r = drift(
      'train',
      'toy2d',
      '--data',
      'swiss',
      '--batch',
      '256',
      '--hidden',
      '64,64,64',
      '--steps',
      '300',
      '--plot-at',
      '0,100',
      '--eval-samples',
      '1024',
      '--log-every',
      '100',
      '--out',
      at('learn'),
    )
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^step 100\/300 {2}loss \S+ {2}‖V‖²\(τ=0\.05\) \S+ {2}\S+ steps\/s {2}ETA /m)
    expect(r.out).toMatch(/^checkpoint: step 300 → /m)
    const files = fs.readdirSync(at('learn')).sort()
    expect(files).toEqual([
      'checkpoint.safetensors',
      'config.json',
      'loss.png',
      'metrics.json',
      'samples-step0.png',
      'samples-step100.png',
      'samples-step300.png',
    ])
    const metrics = JSON.parse(fs.readFileSync(at('learn', 'metrics.json'), 'utf8'))
    const byStep = new Map(
      metrics.evaluations.map((e: { step: number; metrics: { mmd2: number } }) => [e.step, e.metrics.mmd2]),
    )
    expect(byStep.get(0)).toBeGreaterThan(1) // the untrained generator: a point mass at 0
    expect(metrics.final.mmd2).toBeLessThan(0.1)
    expect(metrics.final.energy).toBeLessThan(0.02)
    expect(JSON.parse(fs.readFileSync(at('learn', 'config.json'), 'utf8'))).toMatchObject({
      data: 'swiss',
      batch: 256,
      steps: 300,
      hidden: [64, 64, 64],
    })

    const csv = drift('sample', '--checkpoint', at('learn'), '--n', '500', '--out', at('points.csv'))
    expect(csv.code).toBe(0)
    const lines = fs.readFileSync(at('points.csv'), 'utf8').trim().split('\n')
    expect(lines[0]).toBe('x,y')
    expect(lines.length).toBe(501)
    expect(
      lines.slice(1).every((l) => l.split(',').every((v) => Number.isFinite(Number(v)) && Math.abs(Number(v)) < 3)),
    ).toBe(true)
    const json = drift('sample', '--checkpoint', at('learn'), '--n', '10', '--out', at('points.json'))
    expect(json.code).toBe(0)
    expect(JSON.parse(fs.readFileSync(at('points.json'), 'utf8'))).toMatchObject({ data: 'swiss', step: 300, n: 10 })
  })

  test('killed with SIGKILL after a checkpoint and resumed, the run ends bit for bit as an uninterrupted one', async () => {
    const config = at('resume.json')
    fs.writeFileSync(config, JSON.stringify({ ...SMALL, steps: 300, checkpointEvery: 10, logEvery: 1 }))
    const whole = drift('train', 'toy2d', '--config', config, '--seed', '3', '--out', at('whole'))
    expect(whole.code).toBe(0)

    const child = spawn(
      process.execPath,
      ['bin/drift.mjs', 'train', 'toy2d', '--config', config, '--seed', '3', '--out', at('killed')],
      { cwd: ROOT, env: env() },
    )
    let seen = ''
    const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
    child.stdout.on('data', (d: Buffer) => {
      seen += d.toString()
      if (/^checkpoint: step 10 /m.test(seen)) child.kill('SIGKILL')
    })
    expect(await exit).toBe('SIGKILL')
    const stoppedAt = stateOf(at('killed')).step
    expect(stoppedAt).toBeGreaterThanOrEqual(10)
    expect(stoppedAt).toBeLessThan(300)

    const resumed = drift('train', 'toy2d', '--resume', at('killed'))
    expect(resumed.err).toBe('')
    expect(resumed.code).toBe(0)
    const [a, b] = [stateOf(at('whole')), stateOf(at('killed'))]
    expect(b.step).toBe(300)
    expect(b.params).toEqual(a.params)
    expect(b.adam).toEqual(a.adam)
    expect(b.losses).toEqual(a.losses)
    expect(
      fs
        .readFileSync(at('killed', 'checkpoint.safetensors'))
        .equals(fs.readFileSync(at('whole', 'checkpoint.safetensors'))),
    ).toBe(true)
    expect(fs.readdirSync(at('killed')).filter((f) => f.endsWith('.tmp'))).toEqual([]) // the killed writer's leftovers are gone
  })

  test('a run that has only an earlier checkpoint.json samples and resumes, bit for bit as from checkpoint.safetensors', () => {
    const config = at('legacy.json')
    fs.writeFileSync(config, JSON.stringify({ ...SMALL, steps: 40, checkpointEvery: 20 }))
    expect(drift('train', 'toy2d', '--config', config, '--out', at('half')).code).toBe(0)
    fs.mkdirSync(at('legacy'))
    writeLegacyCheckpoint(at('legacy'), loadCheckpoint(at('half')))
    expect(fs.readdirSync(at('legacy'))).toEqual(['checkpoint.json'])

    const sampled = drift('sample', '--checkpoint', at('legacy'), '--n', '20', '--out', at('legacy-points.json'))
    expect(sampled.err).toBe('')
    expect(sampled.code).toBe(0)
    const fromHalf = drift('sample', '--checkpoint', at('half'), '--n', '20', '--out', at('half-points.json'))
    expect(fromHalf.code).toBe(0)
    expect(fs.readFileSync(at('legacy-points.json'), 'utf8')).toBe(fs.readFileSync(at('half-points.json'), 'utf8'))

    for (const dir of ['half', 'legacy']) {
      const r = drift('train', 'toy2d', '--resume', at(dir), '--steps', '60')
      expect(r.err, dir).toBe('')
      expect(r.code, dir).toBe(0)
    }
    const [a, b] = [stateOf(at('half')), stateOf(at('legacy'))]
    expect(b.step).toBe(60)
    expect(b.params).toEqual(a.params)
    expect(b.adam).toEqual(a.adam)
    expect(b.losses).toEqual(a.losses)
    expect(
      fs
        .readFileSync(at('legacy', 'checkpoint.safetensors'))
        .equals(fs.readFileSync(at('half', 'checkpoint.safetensors'))),
    ).toBe(true)
  }, 180_000) // four training runs and two samplings: over a minute on a loaded 2-core machine

  test('a NaN loss stops the run with the source line that made it, and a non-zero exit', () => {
    const r = drift(
      'train',
      'toy2d',
      '--data',
      'swiss',
      '--batch',
      '32',
      '--hidden',
      '8',
      '--steps',
      '5',
      '--tau',
      '1e-40',
      '--plot-at',
      '',
      '--out',
      at('nan'),
    )
    expect(r.code).toBe(3)
    expect(r.err).toMatch(
      /^drift: the loss of step 0 is NaN: the first NaN comes from \w+ at stdlib\/fields\/parts\.ts:\d+:\d+ .*-Infinity from div at stdlib\/fields\/paper\.ts:\d+:\d+/,
    )
    expect(fs.readdirSync(at('nan')).filter((f) => f.startsWith('checkpoint'))).toEqual([])
  })
})

describe('bad input: one line on stderr, a non-zero exit, no file touched', () => {
  const untouched = () => {
    const dir = at('existing')
    return fs.existsSync(dir)
      ? Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]))
      : {}
  }
  beforeAll(() => {
    fs.mkdirSync(at('existing'), { recursive: true })
    fs.writeFileSync(
      at('existing', 'checkpoint.json'),
      '{"format":"drift-toy2d-checkpoint","version":1,"sha256":"0","payload":{}}\n',
    )
    fs.writeFileSync(at('existing', 'notes.txt'), 'keep me')
    fs.writeFileSync(at('a-file'), 'not a folder')
    fs.mkdirSync(at('empty'), { recursive: true })
  })

  test.each([
    [
      ['train', 'toy2d', '--data', 'moons', '--out', '@/fresh'],
      /^drift: unknown data set 'moons': choose one of swiss, checkerboard, gaussians8, bimodal$/,
    ],
    [
      ['train', 'toy2d', '--field', 'fooField', '--out', '@/fresh'],
      /^drift: unknown field 'fooField': choose one of paperField, /,
    ],
    [
      ['train', 'toy2d', '--field', 'sinkhornField', '--out', '@/fresh'],
      /^drift: field 'sinkhornField' takes arguments after \(x, pos, neg, tau\)/,
    ],
    [['train', 'toy2d', '--frobnicate', '--out', '@/fresh'], /^drift: Unknown option '--frobnicate'/],
    [['train', 'toy2d', '--steps', 'many', '--out', '@/fresh'], /^drift: --steps expects a number, got 'many'$/],
    [['train', 'moons', '--out', '@/fresh'], /^drift: unknown training target 'moons'/],
    [
      ['train', 'toy2d', '--config', '@/nope.json', '--out', '@/fresh'],
      /^drift: cannot read config file .*nope\.json: ENOENT$/,
    ],
    [['train', 'toy2d', '--config', '@/a-file', '--out', '@/fresh'], /^drift: config file .*a-file is not JSON/],
    [
      ['train', 'toy2d', '--data', 'swiss', '--init', 'far', '--out', '@/fresh'],
      /^drift: --init far is defined for the bimodal data only/,
    ],
    [
      ['train', 'toy2d', '--out', '@/a-file/run'],
      /^drift: cannot write to output folder .*a-file\/run: (ENOTDIR|EEXIST)$/,
    ],
    [
      ['train', 'toy2d', '--out', '@/existing'],
      /^drift: .*existing already holds a run \(checkpoint\.json\): continue it with --resume/,
    ],
    [
      ['train', 'toy2d', '--resume', '@/empty'],
      /^drift: no checkpoint in .*empty \(expected .*checkpoint\.safetensors\)$/,
    ],
    [
      ['train', 'toy2d', '--resume', '@/existing'],
      /^drift: corrupt checkpoint .*checkpoint\.json: its SHA-256 does not match its contents$/,
    ],
    [
      ['train', 'toy2d', '--resume', '@/existing', '--lr', '0.1'],
      /^drift: --resume continues a run with its own settings: lr cannot change/,
    ],
    [
      ['sample', '--checkpoint', '@/existing', '--out', '@/points.txt'],
      /^drift: cannot tell the format of .*points\.txt: name it \.json or \.csv$/,
    ],
    [['sample', '--checkpoint', '@/empty', '--out', '@/points.csv'], /^drift: no checkpoint in /],
    [
      ['sample', '--checkpoint', '@/existing', '--out', '@/a-file/points.csv'],
      /^drift: cannot write .*points\.csv: ENOTDIR/,
    ],
  ])('%j', (args, message) => {
    const before = untouched()
    const r = drift(...args.map((a) => a.replace('@', work)))
    expect(r.code).not.toBe(0)
    expect(r.code).not.toBe(null)
    expect(r.err).toMatch(message)
    expect(r.err.split('\n')).toHaveLength(1)
    expect(r.out).toBe('')
    expect(untouched()).toEqual(before)
    expect(fs.existsSync(at('fresh'))).toBe(false)
    expect(fs.readFileSync(at('a-file'), 'utf8')).toBe('not a folder')
  })
})
