/**
 * `drift train mnist` as a user runs it, at a tiny size (2 class groups of 2 generated samples, a
 * DiT of width 32 and one block, on a 2-stage encoder of width 4 trained for 2 steps): its outputs,
 * summary and CFG sweep; a run stopped after a checkpoint and resumed ends with the same checkpoint
 * bytes as an uninterrupted one (generator, AdamW, EMA and the sample queues); bad input gets one
 * `drift:` line and writes nothing.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loadCheckpoint } from '../stdlib/io/checkpoint.js'
import { ROOT } from './helpers.js'

let work: string
const env = () => ({ ...process.env, DRIFT_CACHE_DIR: path.join(work, 'cache'), DRIFT_BACKEND: 'wasm' })
const drift = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/drift.mjs', ...args], { cwd: ROOT, encoding: 'utf8', env: env() })
  return { code: r.status, out: r.stdout, err: r.stderr.trim() }
}
const at = (...p: string[]) => path.join(work, ...p)
const LONG = 900_000

const TINY = () => [
  ...['--encoder', at('encoder'), '--classes', '2', '--n-neg', '2', '--n-pos', '2', '--n-unc', '1'],
  ...['--width', '32', '--depth', '1', '--warmup', '1', '--log-every', '1'],
]

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-mnist-drift-'))
  const mae = ['--width', '4', '--stages', '2', '--batch', '8', '--steps', '2', '--warmup', '1', '--eval-images', '100']
  const classifier = ['--c1', '2', '--c2', '2', '--hidden', '4', '--batch', '16', '--steps', '2', '--warmup', '1']
  for (const [target, args, out] of [
    ['mae', mae, 'encoder'],
    ['classifier', [...classifier, '--floor-images', '0'], 'classifier'],
  ] as const) {
    const r = drift('train', target, ...args, '--out', at(out))
    if (r.code !== 0) throw new Error(`drift train ${target} failed: ${r.err}`)
  }
}, LONG)
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

describe('drift train mnist', () => {
  test(
    'a short run writes its checkpoint, loss curve, samples and the CFG sweep',
    () => {
      const args = [...TINY(), '--steps', '2', '--classifier', at('classifier'), '--eval-samples', '200']
      const r = drift('train', 'mnist', ...args, '--out', at('run'))
      expect(r.err).toBe('')
      expect(r.code).toBe(0)
      expect(r.out).toMatch(/^step 2\/2 {2}drift loss \S+ {2}\S+ steps\/s {2}ETA /m)
      expect(r.out).toMatch(/^trained the generator for 2 steps: final drift loss \S+$/m)
      for (const alpha of [1, 1.25, 1.5, 2, 3])
        expect(r.out).toMatch(
          new RegExp(
            `^α ${alpha}: accuracy \\S+% \\(worst class \\S+%\\), FID \\S+, precision \\S+%, recall \\S+%$`,
            'm',
          ),
        )
      expect(fs.readdirSync(at('run')).sort()).toEqual([
        'checkpoint.safetensors',
        'config.json',
        'loss.png',
        'metrics.json',
        'samples.png',
      ])
      const metrics = JSON.parse(fs.readFileSync(at('run', 'metrics.json'), 'utf8'))
      expect(metrics.sweep.map((s: { alpha: number }) => s.alpha)).toEqual([1, 1.25, 1.5, 2, 3])
      for (const s of metrics.sweep) {
        expect(Number.isFinite(s.fid) && s.fid >= 0, `FID ${s.fid}`).toBe(true)
        for (const v of [s.accuracy, s.precision, s.recall, ...s.perClass]) expect(v >= 0 && v <= 1, `${v}`).toBe(true)
        expect(s.perClass).toHaveLength(10)
      }
      // ten rows of ten 32×32 samples at scale 2
      expect(PNG.sync.read(fs.readFileSync(at('run', 'samples.png'))).height).toBe(26 + 10 * (64 + 4) + 4)
      const meta = loadCheckpoint(at('run')).meta
      expect(meta).toMatchObject({ program: 'mnist-drift', step: 2, backend: 'wasm' })
    },
    LONG,
  )

  test(
    'stopped after a checkpoint and resumed, the run ends with the bytes of an uninterrupted one',
    () => {
      const args = [...TINY(), '--checkpoint-every', '1', '--seed', '3']
      const whole = drift('train', 'mnist', ...args, '--steps', '4', '--out', at('whole'))
      expect(whole.code, whole.err).toBe(0)
      const first = drift('train', 'mnist', ...args, '--steps', '2', '--out', at('parts'))
      expect(first.code, first.err).toBe(0)
      const rest = drift('train', 'mnist', '--resume', at('parts'), '--steps', '4')
      expect(rest.code, rest.err).toBe(0)
      const [a, b] = [at('whole', 'checkpoint.safetensors'), at('parts', 'checkpoint.safetensors')]
      expect(fs.readFileSync(b).equals(fs.readFileSync(a)), 'checkpoint bytes').toBe(true)
    },
    LONG,
  )

  test(
    'bad input gets one drift: line, a non-zero exit and no file written',
    () => {
      const cases: [string[], RegExp][] = [
        [
          ['--encoder', at('nowhere')],
          /^drift: no encoder in \S+nowhere \(checkpoint\.safetensors is missing\): train one/,
        ],
        [['--width', '48'], /^drift: width must be a multiple of 32, got 48$/],
        [
          ['--eval-samples', '50'],
          /^drift: evalSamples must be 0 \(no scores\) or an integer in \[200, 10000\], got 50$/,
        ],
        [['--n-neg', '1'], /^drift: nNeg must be a positive integer ≥ 2 ≤ 256, got 1$/],
        [['--patch', '3'], /^drift: patch must be 1, 2, 4 or 8, got 3$/],
      ]
      for (const [flags, message] of cases) {
        const out = at(`bad-${flags.join('')}`.replace(/[^\w-]/g, ''))
        const r = drift('train', 'mnist', ...TINY(), '--steps', '2', ...flags, '--out', out)
        expect(r.code, flags.join(' ')).not.toBe(0)
        expect(r.err.split('\n'), flags.join(' ')).toHaveLength(1)
        expect(r.err, flags.join(' ')).toMatch(message)
        expect(fs.existsSync(path.join(out, 'checkpoint.safetensors')), flags.join(' ')).toBe(false)
      }
    },
    LONG,
  )

  test(
    'a resumed run refuses an encoder that changed since it started',
    () => {
      fs.cpSync(at('encoder'), at('encoder-copy'), { recursive: true })
      const args = [...TINY(), '--steps', '2']
      args[1] = at('encoder-copy')
      expect(drift('train', 'mnist', ...args, '--out', at('moved')).code).toBe(0)
      const other = drift('train', 'mae', '--resume', at('encoder-copy'), '--steps', '3')
      expect(other.code, other.err).toBe(0)
      const before = fs.readFileSync(at('moved', 'checkpoint.safetensors'))
      const r = drift('train', 'mnist', '--resume', at('moved'), '--steps', '3')
      expect(r.code).not.toBe(0)
      expect(r.err).toMatch(/^drift: the encoder in \S+ is not the one this run was trained against/)
      expect(fs.readFileSync(at('moved', 'checkpoint.safetensors')).equals(before)).toBe(true)
    },
    LONG,
  )
})
