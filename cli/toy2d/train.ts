/**
 * `drift train toy2d [flags] --out DIR` and `drift train toy2d --resume DIR`: the flags and a JSON
 * config file become a Toy2dConfig (flags win), everything is checked before a file is written,
 * and the run itself is stdlib/toy2d/train.ts.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { UsageError } from '../../compiler/cli/shapes.js'
import { BACKENDS, currentBackend } from '../../compiler/runtime/backend.js'
import { CONFIG_KEYS, RESUMABLE_KEYS, resolveConfig, type Toy2dConfig } from '../../stdlib/toy2d/config.js'
import { findCheckpoint, loadCheckpoint, type RunState } from '../../stdlib/toy2d/checkpoint.js'
import { NonFiniteLossError, RunError } from '../../stdlib/train/errors.js'
import { makeProgress } from '../../stdlib/train/progress.js'
import { TRAIN_USAGE } from './usage.js'
import { summarize } from '../../stdlib/toy2d/summary.js'

/** Flag name → config key and how to read its text. */
const FLAGS: Record<string, { key: keyof Toy2dConfig; kind: 'string' | 'number' | 'list' }> = {
  data: { key: 'data', kind: 'string' },
  field: { key: 'field', kind: 'string' },
  tau: { key: 'tau', kind: 'number' },
  steps: { key: 'steps', kind: 'number' },
  batch: { key: 'batch', kind: 'number' },
  'data-batch': { key: 'dataBatch', kind: 'number' },
  lr: { key: 'lr', kind: 'number' },
  beta1: { key: 'beta1', kind: 'number' },
  beta2: { key: 'beta2', kind: 'number' },
  seed: { key: 'seed', kind: 'number' },
  'noise-dim': { key: 'noiseDim', kind: 'number' },
  hidden: { key: 'hidden', kind: 'list' },
  init: { key: 'init', kind: 'string' },
  'checkpoint-every': { key: 'checkpointEvery', kind: 'number' },
  'plot-at': { key: 'plotAt', kind: 'list' },
  'log-every': { key: 'logEvery', kind: 'number' },
  'eval-samples': { key: 'evalSamples', kind: 'number' },
}

function number(flag: string, text: string): number {
  const v = Number(text)
  if (text.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${flag} expects a number, got '${text}'`)
  return v
}

function flagSettings(values: Record<string, string | undefined>): Partial<Toy2dConfig> {
  const out: Record<string, unknown> = {}
  for (const [flag, { key, kind }] of Object.entries(FLAGS)) {
    const text = values[flag]
    if (text === undefined) continue
    out[key] =
      kind === 'string'
        ? text
        : kind === 'number'
          ? number(flag, text)
          : text.trim() === ''
            ? []
            : text.split(',').map((t) => number(flag, t))
  }
  return out as Partial<Toy2dConfig>
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (e) {
    throw new UsageError(
      `cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    )
  }
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (e) {
    throw new UsageError(`config file ${file} is not JSON: ${(e as Error).message}`)
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new UsageError(`config file ${file} should hold one JSON object of settings (${CONFIG_KEYS.join(', ')})`)
  return v as Record<string, unknown>
}

/** Create DIR if needed and prove it writable with a probe file; nothing else is touched. */
function prepareOutDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true })
    const probe = path.join(dir, `.drift-write-probe.${process.pid}`)
    fs.writeFileSync(probe, '')
    fs.rmSync(probe)
  } catch (e) {
    throw new UsageError(
      `cannot write to output folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    )
  }
}

const asUsage = <T>(f: () => T): T => {
  try {
    return f()
  } catch (e) {
    if (e instanceof RunError) throw new UsageError(e.message)
    throw e
  }
}

/** Without --out: out/toy2d/<data>-<field>, or -2, -3, … when that one already holds a run. */
function freshRunDir(c: Toy2dConfig): string {
  const base = path.join('out', 'toy2d', `${c.data}-${c.field}`)
  let dir = base
  for (let k = 2; findCheckpoint(dir); k++) dir = `${base}-${k}`
  process.stderr.write(`drift: writing the run into ${dir}\n`)
  return dir
}

export async function trainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      ...Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: 'string' as const }])),
      config: { type: 'string' },
      resume: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
    },
  })
  const v = values as Record<string, string | undefined>
  if (positionals.length !== 1 || positionals[0] !== 'toy2d')
    throw new UsageError(
      positionals.length === 0
        ? `train needs a target: ${TRAIN_USAGE.split('\n')[0]}`
        : `unknown training target '${positionals.join(' ')}': the one target is toy2d`,
    )
  if (v.backend !== undefined) {
    if (!(BACKENDS as readonly string[]).includes(v.backend))
      throw new UsageError(`unknown backend '${v.backend}': choose one of ${BACKENDS.join(', ')}`)
    process.env.DRIFT_BACKEND = v.backend
  }
  const flags = flagSettings(v)

  let config: Toy2dConfig
  let out: string
  let resume: RunState | undefined
  if (v.resume !== undefined) {
    if (v.config !== undefined)
      throw new UsageError(
        '--config cannot be combined with --resume: a resumed run keeps the settings of its checkpoint',
      )
    const changed = Object.keys(flags).filter((k) => !(RESUMABLE_KEYS as string[]).includes(k))
    if (changed.length)
      throw new UsageError(
        `--resume continues a run with its own settings: ${changed.join(', ')} cannot change (only ${RESUMABLE_KEYS.join(', ')} can)`,
      )
    out = v.resume
    if (v.out !== undefined && path.resolve(v.out) !== path.resolve(out))
      throw new UsageError(`--resume ${v.resume} writes into its own folder: leave out --out or give the same folder`)
    const ck = asUsage(() => loadCheckpoint(out))
    config = asUsage(() => resolveConfig(ck.config, flags))
    if (ck.state.step > config.steps)
      throw new UsageError(`the checkpoint in ${out} is at step ${ck.state.step}, past --steps ${config.steps}`)
    if (ck.backend !== currentBackend())
      process.stderr.write(
        `drift: note: the checkpoint was computed on ${ck.backend}, this run uses ${currentBackend()}: it continues, but not bit for bit\n`,
      )
    resume = ck.state
    prepareOutDir(out)
  } else {
    const file = v.config === undefined ? {} : readConfigFile(v.config)
    config = asUsage(() => resolveConfig(file, flags))
    out = v.out ?? freshRunDir(config)
    const existing = findCheckpoint(out)
    if (existing)
      throw new UsageError(
        `${out} already holds a run (${path.basename(existing)}): continue it with --resume ${out}, or choose another --out`,
      )
    prepareOutDir(out)
  }

  const { trainToy2d } = await import('../../stdlib/toy2d/train.js')
  const tty = Boolean(process.stdout.isTTY)
  try {
    const state = await trainToy2d({
      config,
      out,
      resume,
      backend: currentBackend(),
      progress: (start) =>
        makeProgress({
          start,
          total: config.steps,
          labels: ['loss', `‖V‖²(τ=${config.tau})`],
          logEvery: config.logEvery,
          tty,
          out: process.stdout,
        }),
    })
    console.log(summarize(config, state, out))
    return 0
  } catch (e) {
    if (e instanceof NonFiniteLossError) {
      console.error(`drift: ${e.message}`)
      return 3
    }
    if (e instanceof RunError) throw new UsageError(e.message)
    throw e
  }
}
