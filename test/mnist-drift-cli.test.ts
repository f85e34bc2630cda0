/**
 * `drift train mnist`, `drift sample` and `drift eval` as a user runs them, at a tiny size (2 class
 * groups of 2 generated samples, a generator of width 32 and one block, on a 2-stage encoder of
 * width 4 trained for 2 steps): the run's outputs, summary and CFG sweep; samples as PNG, .npy and
 * .safetensors; `drift eval` reproducing the run's own sweep; a run stopped after a checkpoint and
 * resumed ends with the same checkpoint bytes as an uninterrupted one (generator, AdamW, EMA and the
 * sample queues); the DiT through the command line; a loss variant's settings recorded and kept on
 * --resume, and the pixels-only features reading no encoder; bad input gets one `drift:` line and
 * writes nothing.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loadCheckpoint } from '../stdlib/io/checkpoint.js'
import { readSafetensors } from '../stdlib/io/safetensors.js'
import { DRIFT_QUICK, resolveDriftConfig } from '../stdlib/mnist/driftConfig.js'
import { loadDriftRun, trainDrift } from '../stdlib/mnist/driftTrain.js'
import { setBackend } from '../dsl/index.js'
import { ROOT } from './helpers.js'
import { runDrift } from './driftCommand.js'

let work: string
const env = () => ({ DRIFT_CACHE_DIR: path.join(work, 'cache'), DRIFT_BACKEND: 'wasm' })
/** `drift …` run in the repository, or in `cwd` */
const driftIn = (cwd: string, ...args: string[]) => runDrift({ cwd, env: env() }, ...args)
const drift = (...args: string[]) => driftIn(ROOT, ...args)
const at = (...p: string[]) => path.join(work, ...p)
const LONG = 900_000

const TINY = () => [
  ...['--encoder', at('encoder'), '--classes', '2', '--n-neg', '2', '--n-pos', '2', '--n-unc', '1'],
  ...['--width', '32', '--depth', '1', '--warmup', '1', '--log-every', '1'],
  // no classifier, no scores (a run that scores names its classifier and a sample count after these)
  ...['--eval-samples', '0'],
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
        'cfg-sweep.png',
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
      const generator = 'mlp'
      const args = [...TINY(), '--checkpoint-every', '1', '--seed', '3', '--generator', generator]
      const whole = drift('train', 'mnist', ...args, '--steps', '4', '--out', at(`whole-${generator}`))
      expect(whole.code, whole.err).toBe(0)
      const first = drift('train', 'mnist', ...args, '--steps', '2', '--out', at(`parts-${generator}`))
      expect(first.code, first.err).toBe(0)
      const rest = drift('train', 'mnist', '--resume', at(`parts-${generator}`), '--steps', '4')
      expect(rest.code, rest.err).toBe(0)
      const [a, b] = [
        at(`whole-${generator}`, 'checkpoint.safetensors'),
        at(`parts-${generator}`, 'checkpoint.safetensors'),
      ]
      expect(fs.readFileSync(b).equals(fs.readFileSync(a)), 'checkpoint bytes').toBe(true)
    },
    LONG,
  )

  test(
    'a finishing phase (--finish-from 2 --finish-attraction 1.5) ends with the tensors of a run continued at that attraction',
    async () => {
      const args = [...TINY(), '--checkpoint-every', '1', '--seed', '5']
      const finish = ['--finish-from', '2', '--finish-attraction', '1.5']
      const r = drift('train', 'mnist', ...args, '--steps', '3', ...finish, '--out', at('finish'))
      expect(r.code, r.err).toBe(0)
      expect(JSON.parse(fs.readFileSync(at('finish', 'config.json'), 'utf8'))).toMatchObject({
        attraction: 2,
        finishFrom: 2,
        finishAttraction: 1.5,
      })
      // the oracle: two steps at attraction 2, then the library continues them at 1.5 (the command
      // line refuses to change the loss of a resumed run)
      const first = drift('train', 'mnist', ...args, '--steps', '2', '--out', at('switched'))
      expect(first.code, first.err).toBe(0)
      setBackend('wasm')
      const run = await loadDriftRun(at('switched'))
      const config = resolveDriftConfig(run.config, { attraction: 1.5, steps: 3 })
      const quiet = () => ({ step: () => {}, note: () => {}, stop: () => {} })
      await trainDrift({ config, out: at('switched'), resume: run, backend: 'wasm', progress: quiet })
      const plain = drift('train', 'mnist', ...args, '--steps', '3', '--out', at('unfinished'))
      expect(plain.code, plain.err).toBe(0)
      const tensors = (dir: string) => loadCheckpoint(at(dir)).tensors
      expect(tensors('finish')).toEqual(tensors('switched'))
      // and the phase changed something: without it the run ends elsewhere
      expect(tensors('finish')).not.toEqual(tensors('unfinished'))
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
        [['--generator', 'gan'], /^drift: generator must be mlp or dit, got "gan"$/],
        [['--normalize', 'softmax'], /^drift: normalize must be both, row or none, got "softmax"$/],
        [['--features', 'pixels'], /^drift: features must be all or global, got "pixels"$/],
        [
          ['--features', 'global'],
          /^drift: features 'global' take the loss on the raw pixels and read no encoder: leave out the encoder \(\S+encoder\)$/,
        ],
        [
          ['--attraction', '0', '--repulsion', '0'],
          /^drift: attraction and repulsion are both 0, so nothing drifts: make one of them positive$/,
        ],
        [
          ['--finish-from', '1', '--finish-attraction', '0', '--repulsion', '0'],
          /^drift: finishAttraction and repulsion are both 0, so nothing drifts in the finishing phase: make one of them positive$/,
        ],
        [['--finish-attraction', '-1'], /^drift: finishAttraction must be a non-negative number, got -1$/],
        [['--affinity-floor', '1'], /^drift: affinityFloor must be a number in \[0, 1\), got 1$/],
        [
          ['--temperatures', '0.05,-1'],
          /^drift: temperatures must be a list of 1 to 8 positive numbers, e\.g\. 0\.02,0\.05,0\.2, got \[0\.05,-1\]$/,
        ],
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
    'without --encoder and --classifier, the runs in out/mae/width8 and out/classifier are used; --quick sets a short run (of the DiT)',
    () => {
      const home = at('home')
      fs.cpSync(at('encoder'), path.join(home, 'out', 'mae', 'width8'), { recursive: true })
      fs.cpSync(at('classifier'), path.join(home, 'out', 'classifier'), { recursive: true })
      const tiny = TINY().slice(2) // without --encoder
      const r = driftIn(
        home,
        'train',
        'mnist',
        '--quick',
        ...tiny,
        '--steps',
        '2',
        '--eval-samples',
        '200',
        '--generator',
        'dit',
        '--out',
        'run',
      )
      expect(r.code, r.err).toBe(0)
      expect(r.err.split('\n')).toEqual([
        `drift: using the mae run in ${path.join('out', 'mae', 'width8')}`,
        `drift: using the classifier run in ${path.join('out', 'classifier')}`,
      ])
      const config = JSON.parse(fs.readFileSync(path.join(home, 'run', 'config.json'), 'utf8'))
      // the flags win over --quick, which wins over the defaults
      expect(config).toMatchObject({
        encoder: path.join('out', 'mae', 'width8'),
        classifier: path.join('out', 'classifier'),
        steps: 2,
        generator: 'dit',
        checkpointEvery: DRIFT_QUICK.checkpointEvery,
        attraction: 1.5,
        alphaPower: 3,
      })
      expect(fs.existsSync(path.join(home, 'run', 'metrics.json'))).toBe(true)
      const again = driftIn(home, 'train', 'mnist', '--resume', 'run', '--quick', '--steps', '3')
      expect(again.code).not.toBe(0)
      expect(again.err).toBe(
        'drift: --quick cannot be combined with --resume: a resumed run keeps the settings of its checkpoint',
      )
    },
    LONG,
  )

  test(
    'the loss variant: its settings in config.json, and a resumed run refuses to change them; the pixels-only features read no encoder',
    () => {
      const variant = [
        ...['--attraction', '1.5', '--repulsion', '0.5', '--normalize', 'none', '--temperatures', '0.05,0.2'],
        ...['--affinity-floor', '0'],
      ]
      // in a folder without out/mae: a run that read an encoder would train one there first
      const home = at('pixels-home')
      fs.mkdirSync(home)
      const r = driftIn(
        home,
        'train',
        'mnist',
        ...TINY().slice(2), // without --encoder
        '--steps',
        '2',
        ...variant,
        '--features',
        'global',
        '--out',
        at('variant'),
      )
      expect(r.code, r.err).toBe(0)
      expect(r.err).toBe('')
      expect(fs.readdirSync(home)).toEqual([])
      expect(r.out).toMatch(/^trained the generator for 2 steps: final drift loss \S+$/m)
      const config = JSON.parse(fs.readFileSync(at('variant', 'config.json'), 'utf8'))
      expect(config).toMatchObject({
        encoder: '',
        attraction: 1.5,
        repulsion: 0.5,
        normalize: 'none',
        temperatures: [0.05, 0.2],
        affinityFloor: 0,
        features: 'global',
      })
      const before = fs.readFileSync(at('variant', 'checkpoint.safetensors'))
      const again = drift('train', 'mnist', '--resume', at('variant'), '--steps', '3', '--normalize', 'both')
      expect(again.code).not.toBe(0)
      expect(again.err).toBe(
        'drift: --resume continues a run with its own settings: normalize cannot change (only steps, checkpointEvery, logEvery, classifier, evalSamples can)',
      )
      expect(fs.readFileSync(at('variant', 'checkpoint.safetensors')).equals(before)).toBe(true)
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

/** The values of a float32 `.npy` file and the shape its header states. */
function readNpy(file: string): { shape: number[]; values: Float32Array } {
  const bytes = fs.readFileSync(file)
  expect(bytes.subarray(0, 8).equals(Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0])), 'npy magic').toBe(true)
  const headerLength = bytes.readUInt16LE(8)
  expect((10 + headerLength) % 64, 'npy header alignment').toBe(0)
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1')
  expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \([\d, ]+\), \} *\n$/)
  const shape = header
    .match(/\(([\d, ]+)\)/)![1]
    .split(',')
    .filter((d) => d.trim() !== '')
    .map(Number)
  const body = bytes.subarray(10 + headerLength)
  return { shape, values: new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length)) }
}

describe('drift sample and drift eval on a drift train mnist run', () => {
  test(
    'samples of one class as PNG, .npy and .safetensors: the same images, reproducible from the seed',
    () => {
      const sample = (out: string, ...more: string[]) =>
        drift('sample', '--checkpoint', at('run'), '--class', '3', '--alpha', '1.5', '--n', '6', ...more, '--out', out)
      for (const ext of ['png', 'npy', 'safetensors']) {
        const r = sample(at(`three.${ext}`))
        expect(r.err).toBe('')
        expect(r.code).toBe(0)
        expect(r.out).toMatch(/^6 images of class 3 at α 1\.5 from the EMA generator at step 2 → \S+three\./m)
      }
      // rows of ⌈√6⌉ = 3 images of 32×32 at scale 2
      expect(PNG.sync.read(fs.readFileSync(at('three.png'))).height).toBe(26 + 2 * (64 + 4) + 4)
      const npy = readNpy(at('three.npy'))
      expect(npy.shape).toEqual([6, 1, 32, 32])
      expect(npy.values.every(Number.isFinite)).toBe(true)
      const st = readSafetensors(at('three.safetensors'), 'missing')
      expect(st.metadata).toEqual({ label: '3', alpha: '1.5', seed: '0', step: '2' })
      expect(Array.from(st.tensors.get('labels')!.data)).toEqual([3, 3, 3, 3, 3, 3])
      expect(Array.from(st.tensors.get('images')!.data)).toEqual(Array.from(npy.values))
      expect(sample(at('again.npy')).code).toBe(0)
      expect(fs.readFileSync(at('again.npy')).equals(fs.readFileSync(at('three.npy'))), 'same seed, same bytes').toBe(
        true,
      )
      expect(sample(at('seed5.npy'), '--seed', '5').code).toBe(0)
      expect(fs.readFileSync(at('seed5.npy')).equals(fs.readFileSync(at('three.npy'))), 'another seed').toBe(false)
    },
    LONG,
  )

  test(
    'drift eval reproduces the CFG sweep the run computed at its end, as a table, eval.json and a plot',
    () => {
      const r = drift('eval', '--checkpoint', at('run'), '--samples', '200', '--alphas', '1,2', '--out', at('eval'))
      expect(r.err).toBe('')
      expect(r.code).toBe(0)
      expect(r.out).toMatch(/^α 1: accuracy \S+% \(worst class \S+%\), FID \S+, precision \S+%, recall \S+%$/m)
      expect(r.out).toMatch(/^α 2: accuracy /m)
      const ours = JSON.parse(fs.readFileSync(at('eval', 'eval.json'), 'utf8'))
      const run = JSON.parse(fs.readFileSync(at('run', 'metrics.json'), 'utf8'))
      expect(ours).toMatchObject({ step: 2, samples: 200 })
      expect(ours.sweep).toEqual([run.sweep[0], run.sweep[3]])
      const plot = PNG.sync.read(fs.readFileSync(at('eval', 'cfg-sweep.png')))
      expect([plot.width, plot.height]).toEqual([720, 360])
    },
    LONG,
  )

  test(
    'bad input gets one drift: line, a non-zero exit and no file written',
    () => {
      const cases: [string[], RegExp][] = [
        [
          ['sample', '--checkpoint', at('run'), '--class', '10', '--out', at('x.png')],
          /^drift: --class expects an integer in \[0, 9\], got '10'$/,
        ],
        [['sample', '--checkpoint', at('run'), '--out', at('x.png')], /^drift: missing --class K \(0 to 9\)/],
        [
          ['sample', '--checkpoint', at('run'), '--class', '1', '--out', at('x.txt')],
          /^drift: cannot tell the format of \S+x\.txt: name it \.png, \.npy, \.safetensors$/,
        ],
        [
          ['sample', '--checkpoint', at('run'), '--class', '1', '--alpha', '0.5', '--out', at('x.png')],
          /^drift: --alpha expects a CFG scale in \[1, 16\], got '0\.5'$/,
        ],
        [
          ['sample', '--checkpoint', at('run'), '--class', '1', '--n', '20000', '--out', at('x.png')],
          /^drift: --n expects an integer in \[1, 10000\], got '20000'$/,
        ],
        [
          ['eval', '--checkpoint', at('run'), '--alphas', '2,1', '--out', at('x')],
          /^drift: --alphas expects up to 16 increasing CFG scales in \[1, 16\]/,
        ],
        [
          ['sample', '--checkpoint', at('nowhere'), '--class', '1', '--out', at('x.png')],
          /^drift: \S+nowhere\/checkpoint\.safetensors is missing: no checkpoint has been saved in \S+nowhere$/,
        ],
        [
          ['eval', '--checkpoint', at('nowhere'), '--out', at('x')],
          /^drift: \S+nowhere\/checkpoint\.safetensors is missing: no checkpoint has been saved in \S+nowhere$/,
        ],
        [
          ['eval', '--checkpoint', at('run'), '--samples', '50', '--out', at('x')],
          /^drift: evalSamples must be 0 \(no scores\) or an integer in \[200, 10000\], got 50$/,
        ],
      ]
      for (const [args, message] of cases) {
        const r = drift(...args)
        expect(r.code, args.join(' ')).not.toBe(0)
        expect(r.err.split('\n'), args.join(' ')).toHaveLength(1)
        expect(r.err, args.join(' ')).toMatch(message)
      }
      expect(fs.readdirSync(work).filter((f) => f.startsWith('x'))).toEqual([])
    },
    LONG,
  )
})
