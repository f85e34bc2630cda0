/**
 * `drift train mae` and `drift train classifier` as a user runs them, at tiny sizes: each writes
 * its outputs and summary; a run killed with SIGKILL after a checkpoint and resumed ends bit for
 * bit as an uninterrupted one; a NaN stops the run; bad input gets one `drift:` line and a
 * non-zero exit without writing anything.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Tensor } from '../dsl/index.js'
import { loadCheckpoint, saveCheckpoint } from '../stdlib/io/checkpoint.js'
import { ROOT } from './helpers.js'
import { runDrift } from './driftCommand.js'

let work: string
const env = () => ({ DRIFT_CACHE_DIR: path.join(work, 'cache'), DRIFT_BACKEND: 'wasm' })
const drift = (...args: string[]) => runDrift({ env: env() }, ...args)
const at = (...p: string[]) => path.join(work, ...p)
const bytes = (...p: string[]) => fs.readFileSync(at(...p))
const LONG = 600_000

/** Tiny runs: a 2-stage encoder of width 4 on batches of 8; a LeNet of widths 2, 2, 4 on batches of 16. */
const MAE = ['--width', '4', '--stages', '2', '--batch', '8', '--eval-images', '100']
const CLASSIFIER = ['--c1', '2', '--c2', '2', '--hidden', '4', '--batch', '16', '--warmup', '2', '--floor-images', '20']

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-mnist-cli-'))
})
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

test("drift train TARGET --help prints that target's usage, drift train --help every target's, and neither trains", () => {
  const mnist = drift('train', 'mnist', '--help')
  expect(mnist).toMatchObject({ code: 0, err: '' })
  expect(mnist.out.startsWith('drift train mnist [--encoder')).toBe(true)
  expect(mnist.out).toContain('drift train mnist --resume DIR')
  const all = drift('train', '--help')
  expect(all.code).toBe(0)
  for (const t of ['toy2d', 'mae', 'classifier', 'mnist']) expect(all.out).toContain(`drift train ${t} [`)
})

test('drift COMMAND --help prints that command’s usage and runs nothing', () => {
  const evalHelp = drift('eval', '--checkpoint', at('none'), '--help')
  expect(evalHelp).toMatchObject({ code: 0, err: '' })
  expect(evalHelp.out.trim().startsWith('drift eval --checkpoint DIR')).toBe(true)
  const sample = drift('sample', '-h')
  expect(sample.code).toBe(0)
  expect(sample.out).toContain('drift sample --checkpoint DIR --class K')
  expect(sample.out).not.toContain('drift eval')
  const inspect = drift('inspect', 'nothing.ts', '--help')
  expect(inspect.code).toBe(0)
  expect(inspect.out).toContain('--dump ir|grad|kernels')
  expect(inspect.out).not.toContain('drift compile')
  expect(fs.existsSync(at('none'))).toBe(false)
})

describe('drift train mae', () => {
  test(
    'a short run writes its checkpoint, loss curve, figure, metrics and summary',
    () => {
      const r = drift('train', 'mae', ...MAE, '--steps', '4', '--log-every', '2', '--out', at('mae'))
      expect(r.err).toBe('')
      expect(r.code).toBe(0)
      expect(r.out).toMatch(/^step 2\/4 {2}masked loss \S+ {2}\S+ steps\/s {2}ETA /m)
      expect(r.out).toMatch(/^trained the masked autoencoder \(width 4\) for 4 steps: final loss \S+$/m)
      expect(r.out).toMatch(
        /^squared error per masked pixel on 100 test images: \S+ with the EMA weights, \S+ with the trained ones$/m,
      )
      expect(fs.readdirSync(at('mae')).sort()).toEqual([
        'checkpoint.safetensors',
        'config.json',
        'loss.png',
        'metrics.json',
        'reconstructions.png',
      ])
      const metrics = JSON.parse(fs.readFileSync(at('mae', 'metrics.json'), 'utf8'))
      expect(metrics).toMatchObject({ step: 4, test: { step: 4, images: 100 } })
      for (const v of [metrics.finalLoss, metrics.test.maskedMse.ema, metrics.test.maskedMse.raw])
        expect(v > 0 && v < 10, `${v}`).toBe(true)
      const figure = PNG.sync.read(bytes('mae', 'reconstructions.png'))
      // three rows of eight 32×32 images at scale 3
      expect(figure.height).toBe(26 + 3 * (96 + 4) + 4)
      const meta = loadCheckpoint(at('mae')).meta
      expect(meta).toMatchObject({ program: 'mae', step: 4, backend: 'wasm' })
      expect((meta.losses as number[]).length).toBe(4)
    },
    LONG,
  )

  test(
    'killed with SIGKILL after a checkpoint and resumed, the run ends bit for bit as an uninterrupted one',
    async () => {
      const args = [...MAE, '--steps', '24', '--checkpoint-every', '4', '--log-every', '1', '--seed', '5']
      const whole = drift('train', 'mae', ...args, '--out', at('mae-whole'))
      expect(whole.code, whole.err).toBe(0)
      await killAfterCheckpoint(['train', 'mae', ...args, '--out', at('mae-killed')], 4)
      const stoppedAt = loadCheckpoint(at('mae-killed')).meta.step as number
      expect(stoppedAt).toBeGreaterThanOrEqual(4)
      expect(stoppedAt).toBeLessThan(24)
      const resumed = drift('train', 'mae', '--resume', at('mae-killed'))
      expect(resumed.err).toBe('')
      expect(resumed.code).toBe(0)
      expect(bytes('mae-killed', 'checkpoint.safetensors').equals(bytes('mae-whole', 'checkpoint.safetensors'))).toBe(
        true,
      )
      expect(bytes('mae-killed', 'metrics.json').equals(bytes('mae-whole', 'metrics.json'))).toBe(true)
      expect(fs.readdirSync(at('mae-killed')).filter((f) => f.endsWith('.tmp'))).toEqual([])
    },
    LONG,
  )

  test(
    'a NaN stops the run with a non-zero exit, saying where it came from, and writes no checkpoint',
    () => {
      const r = drift('train', 'mae', ...MAE, '--steps', '4', '--lr', '1e38', '--warmup', '1', '--out', at('mae-nan'))
      expect(r.code).toBe(3)
      // the warmup counts updates from 1: with one step of it, step 0 moves every weight by about 1e38
      // and step 1's convolutions overflow
      expect(r.err).toMatch(
        /^drift: the loss of step 1 is NaN: the first NaN comes from \w+ at stdlib\/nn\/\w+\.ts:\d+:\d+ .*\(replayed in the float32 reference interpreter\); stopped \(no checkpoint was written\)$/,
      )
      expect(r.err.split('\n')).toHaveLength(1)
      expect(fs.existsSync(at('mae-nan', 'checkpoint.safetensors'))).toBe(false)
    },
    LONG,
  )
})

describe('drift train classifier', () => {
  test(
    'a short run writes its checkpoint, loss curve, metrics with the test accuracy and floors, and summary',
    () => {
      const r = drift('train', 'classifier', ...CLASSIFIER, '--steps', '6', '--log-every', '3', '--out', at('cls'))
      expect(r.err).toBe('')
      expect(r.code).toBe(0)
      expect(r.out).toMatch(/^step 3\/6 {2}cross-entropy \S+ {2}/m)
      expect(r.out).toMatch(
        /^trained the classifier for 6 steps: final loss \S+, test accuracy \d+\.\d\d% \(\d+ of 10000\)$/m,
      )
      expect(r.out).toMatch(
        /^floors, 20 training against 20 test images in its features: FID \S+, precision \S+%, recall \S+%$/m,
      )
      expect(fs.readdirSync(at('cls')).sort()).toEqual([
        'checkpoint.safetensors',
        'config.json',
        'loss.png',
        'metrics.json',
      ])
      const m = JSON.parse(fs.readFileSync(at('cls', 'metrics.json'), 'utf8'))
      expect(m.test.images).toBe(10000)
      expect(m.test.accuracy).toBe(m.test.correct / 10000)
      expect(m.floors.images).toBe(20)
      for (const v of [m.floors.precision, m.floors.recall]) expect(v >= 0 && v <= 1, `${v}`).toBe(true)
    },
    LONG,
  )

  test(
    'killed with SIGKILL after a checkpoint and resumed, the run ends bit for bit as an uninterrupted one',
    async () => {
      const args = [
        ...CLASSIFIER,
        '--steps',
        '40',
        '--checkpoint-every',
        '5',
        '--log-every',
        '1',
        '--seed',
        '7',
        '--floor-images',
        '0',
      ]
      const whole = drift('train', 'classifier', ...args, '--out', at('cls-whole'))
      expect(whole.code, whole.err).toBe(0)
      await killAfterCheckpoint(['train', 'classifier', ...args, '--out', at('cls-killed')], 5)
      const stoppedAt = loadCheckpoint(at('cls-killed')).meta.step as number
      expect(stoppedAt).toBeGreaterThanOrEqual(5)
      expect(stoppedAt).toBeLessThan(40)
      const resumed = drift('train', 'classifier', '--resume', at('cls-killed'))
      expect(resumed.err).toBe('')
      expect(resumed.code).toBe(0)
      expect(bytes('cls-killed', 'checkpoint.safetensors').equals(bytes('cls-whole', 'checkpoint.safetensors'))).toBe(
        true,
      )
      expect(bytes('cls-killed', 'metrics.json').equals(bytes('cls-whole', 'metrics.json'))).toBe(true)
    },
    LONG,
  )
})

/** Start `drift args…` and SIGKILL it once it printed the checkpoint of step `step`. */
async function killAfterCheckpoint(args: string[], step: number): Promise<void> {
  const child = spawn(process.execPath, ['bin/drift.mjs', ...args], { cwd: ROOT, env: { ...process.env, ...env() } })
  let seen = ''
  const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
  child.stdout.on('data', (d: Buffer) => {
    seen += d.toString()
    if (new RegExp(`^checkpoint: step ${step} `, 'm').test(seen)) child.kill('SIGKILL')
  })
  expect(await exit).toBe('SIGKILL')
}

describe('bad input: one line on stderr, a non-zero exit, nothing written', () => {
  beforeAll(() => {
    // a MAE run of width 4 whose checkpoint claims width 8: its tensors do not fit its settings
    const mae = at('mae-run')
    expect(drift('train', 'mae', ...MAE, '--steps', '1', '--out', mae).code).toBe(0)
    fs.mkdirSync(at('misfit'))
    const { tensors, meta } = loadCheckpoint(mae)
    saveCheckpoint(at('misfit'), { tensors, meta: { ...meta, config: { ...(meta.config as object), width: 8 } } })
    fs.mkdirSync(at('damaged'))
    const good = bytes('mae-run', 'checkpoint.safetensors')
    fs.writeFileSync(at('damaged', 'checkpoint.safetensors'), good.subarray(0, good.length - 7))
    fs.mkdirSync(at('foreign'))
    saveCheckpoint(at('foreign'), {
      tensors: { x: new Tensor(Float32Array.of(1), [1], 'f32') },
      meta: { ...meta, program: 'toy2d' },
    })
    fs.writeFileSync(at('a-file'), 'not a folder')
  }, LONG)

  const snapshot = () =>
    Object.fromEntries(
      fs
        .readdirSync(work, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && !path.join(e.parentPath, e.name).startsWith(at('cache')))
        .map((e) => [
          path.join(e.parentPath, e.name),
          fs.readFileSync(path.join(e.parentPath, e.name)).toString('base64'),
        ]),
    )

  test.each([
    [['train'], /^drift: train needs a target \(toy2d, mae, classifier, mnist\)/],
    [['train', 'cifar'], /^drift: unknown training target 'cifar': the targets are toy2d, mae, classifier, mnist$/],
    [['train', 'mae', '--width', '0', '--out', '@/fresh'], /^drift: width must be a positive integer ≤ 256, got 0$/],
    [['train', 'mae', '--stages', '6', '--out', '@/fresh'], /^drift: stages must be a positive integer ≤ 5, got 6$/],
    [
      ['train', 'mae', '--eval-images', '150', '--out', '@/fresh'],
      /^drift: evalImages must be a multiple of 100, got 150$/,
    ],
    [['train', 'mae', '--ema-decay', '1', '--out', '@/fresh'], /^drift: emaDecay must be a number in \[0, 1\), got 1$/],
    [['train', 'mae', '--lr', 'fast', '--out', '@/fresh'], /^drift: --lr expects a number, got 'fast'$/],
    [['train', 'mae', '--frobnicate', '--out', '@/fresh'], /^drift: Unknown option '--frobnicate'/],
    [['train', 'mae', 'extra', '--out', '@/fresh'], /^drift: unexpected argument 'extra': drift train mae /],
    [['train', 'mae', '--config', '@/a-file', '--out', '@/fresh'], /^drift: config file .*a-file is not JSON/],
    [
      ['train', 'mae', '--out', '@/a-file/run'],
      /^drift: cannot write to output folder .*a-file\/run: .*a-file is not a folder \(ENOTDIR\)$/,
    ],
    [
      ['train', 'mae', '--out', '@/mae-run'],
      /^drift: .*mae-run already holds a run \(checkpoint\.safetensors\): continue it with --resume/,
    ],
    [['train', 'mae', '--resume', '@/fresh'], /^drift: .*fresh.*checkpoint\.safetensors/],
    [
      ['train', 'mae', '--resume', '@/mae-run', '--width', '8'],
      /^drift: --resume continues a run with its own settings: width cannot change/,
    ],
    [['train', 'mae', '--resume', '@/damaged'], /^drift: .*damaged\/checkpoint\.safetensors: /],
    [
      ['train', 'mae', '--resume', '@/foreign'],
      /^drift: corrupt checkpoint .*foreign\/checkpoint\.safetensors: not a mae checkpoint \(program "toy2d"\)$/,
    ],
    [
      ['train', 'mae', '--resume', '@/misfit'],
      /^drift: corrupt checkpoint .*misfit\/checkpoint\.safetensors: tensors\.params\.encoder\.stem\.conv\.w has shape \[4,1,3,3\], the settings need \[8,1,3,3\]$/,
    ],
    [
      ['train', 'classifier', '--resume', '@/mae-run'],
      /^drift: corrupt checkpoint .*mae-run\/checkpoint\.safetensors: not a classifier checkpoint \(program "mae"\)$/,
    ],
    [
      ['train', 'classifier', '--warmup', '10', '--steps', '5', '--out', '@/fresh'],
      /^drift: warmup \(10\) must be shorter than steps \(5\)$/,
    ],
    [
      ['train', 'classifier', '--floor-images', '5', '--out', '@/fresh'],
      /^drift: floorImages must be 0 \(no floors\) or an integer in \[10, 10000\], got 5$/,
    ],
    [
      ['train', 'classifier', '--batch', '0', '--out', '@/fresh'],
      /^drift: batch must be a positive integer ≤ 4096, got 0$/,
    ],
  ])(
    '%j',
    (args, message) => {
      const before = snapshot()
      const r = drift(...args.map((a) => a.replace('@', work)))
      expect(r.code).not.toBe(0)
      expect(r.code).not.toBe(null)
      expect(r.err).toMatch(message)
      expect(r.err.split('\n')).toHaveLength(1)
      expect(r.out).toBe('')
      expect(snapshot()).toEqual(before)
      expect(fs.existsSync(at('fresh'))).toBe(false)
    },
    LONG,
  )
})
