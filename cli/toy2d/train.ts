/**
 * `drift train toy2d [flags] --out DIR` and `drift train toy2d --resume DIR`: the flags and a JSON
 * config file become a Toy2dConfig (flags win), everything is checked before a file is written
 * (the settings and their sizes, the output folder, a field of the user's own compiled once), and
 * the run itself is stdlib/toy2d/train.ts.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { UsageError } from '../../compiler/cli/shapes.js'
import { joinNegativeValues } from '../../compiler/cli/args.js'
import { checkOutputFolder } from '../../compiler/runtime/outputPath.js'
import { BACKENDS, currentBackend } from '../../compiler/runtime/backend.js'
import { CONFIG_KEYS, RESUMABLE_KEYS, resolveConfig, type Toy2dConfig } from '../../stdlib/toy2d/config.js'
import { findCheckpoint, loadCheckpoint, type RunState } from '../../stdlib/toy2d/checkpoint.js'
import { NonFiniteLossError, Toy2dError } from '../../stdlib/toy2d/errors.js'
import { checkField, fieldOf } from '../../stdlib/toy2d/fields.js'
import { settingFrom, settingLabel } from '../../stdlib/train/functionSetting.js'
import { makeProgress } from '../../stdlib/toy2d/progress.js'
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

/** The settings the flags give; a field of the user's own is a path from the working folder. */
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
  if (typeof out.field === 'string') out.field = settingFrom(out.field, process.cwd())
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
  const settings = v as Record<string, unknown>
  // a field of the user's own is a path from the config file's folder
  if (typeof settings.field === 'string') settings.field = settingFrom(settings.field, path.dirname(path.resolve(file)))
  return settings
}

/**
 * Create DIR if needed (after checking where it is) and prove it writable with a probe file;
 * nothing else is touched. Returns the folders it created, deepest first, for removeIfEmpty.
 */
function prepareOutDir(dir: string): string[] {
  checkOutputFolder(dir, `output folder ${dir}`)
  const created: string[] = []
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) created.push(d)
  try {
    fs.mkdirSync(dir, { recursive: true })
    const probe = path.join(dir, `.drift-write-probe.${process.pid}`)
    fs.writeFileSync(probe, '')
    fs.rmSync(probe)
  } catch (e) {
    removeIfEmpty(created)
    throw new UsageError(
      `cannot write to output folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    )
  }
  return created
}

/** Remove the folders a run created, when it failed before writing into them. */
function removeIfEmpty(created: string[]): void {
  for (const d of created)
    if (fs.existsSync(d) && fs.readdirSync(d).length === 0) fs.rmdirSync(d)
    else return
}

const asUsage = <T>(f: () => T): T => {
  try {
    return f()
  } catch (e) {
    if (e instanceof Toy2dError) throw new UsageError(e.message)
    throw e
  }
}

/** Without --out: out/toy2d/<data>-<field>, or -2, -3, … when that one already holds a run. */
function freshRunDir(c: Toy2dConfig): string {
  const base = path.join('out', 'toy2d', `${c.data}-${settingLabel(c.field)}`)
  let dir = base
  for (let k = 2; findCheckpoint(dir); k++) dir = `${base}-${k}`
  return dir
}

export async function trainCommand(args: string[]): Promise<number> {
  const valued = [...Object.keys(FLAGS), 'config', 'resume', 'out', 'backend']
  const { values, positionals } = parseArgs({
    args: joinNegativeValues(args, valued),
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
  } else {
    const file = v.config === undefined ? {} : readConfigFile(v.config)
    config = asUsage(() => resolveConfig(file, flags))
    out = v.out ?? freshRunDir(config)
    const existing = findCheckpoint(out)
    if (existing)
      throw new UsageError(
        `${out} already holds a run (${path.basename(existing)}): continue it with --resume ${out}, or choose another --out`,
      )
  }
  checkOutputFolder(out, `output folder ${out}`)
  // the field: a catalog name, or the user's own (its file unchanged since the run started, and compiled once)
  const field = asUsage(() => fieldOf(config))
  if (field.sha256) {
    config = { ...config, fieldSha256: field.sha256 }
    await checkField(field.fn, config.field)
  }
  const created = prepareOutDir(out)
  if (v.out === undefined && v.resume === undefined) process.stderr.write(`drift: writing the run into ${out}\n`)

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
          tau: config.tau,
          logEvery: config.logEvery,
          tty,
          out: process.stdout,
        }),
    })
    console.log(summarize(config, state, out))
    return 0
  } catch (e) {
    removeIfEmpty(created)
    if (e instanceof NonFiniteLossError) {
      console.error(`drift: ${e.message}`)
      return 3
    }
    if (e instanceof Toy2dError) throw new UsageError(e.message)
    throw e
  }
}
