/**
 * `drift train <target> [flags] [--out DIR]` and `drift train <target> --resume DIR`, for every
 * training target: the flags and a JSON config file become the target's settings (flags win),
 * everything is checked before a file is written, and the run itself is the target's `train`.
 * A resumed run keeps its settings, except the ones that only say how long it runs and what it
 * writes.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { UsageError } from '../compiler/cli/shapes.js'
import { joinNegativeValues } from '../compiler/cli/args.js'
import { checkOutputFolder } from '../compiler/runtime/outputPath.js'
import { settingFrom } from '../stdlib/train/functionSetting.js'
import { BACKENDS, currentBackend } from '../compiler/runtime/backend.js'
import { NonFiniteLossError, RunError } from '../stdlib/train/errors.js'
import { makeProgress, type Progress } from '../stdlib/train/progress.js'

/** How a flag's text becomes a setting: a string, a number, or a comma-separated list of numbers. */
export type FlagKind = 'string' | 'number' | 'list'

/** A checkpoint as the command sees it: the run's settings, the backend that computed it, its step. */
export interface Resumable<C> {
  config: C
  backend: string
  step: number
}

export interface TrainTarget<C extends object, R extends Resumable<C>> {
  name: string
  /** flag name → setting key and how to read its text */
  flags: Record<string, { key: keyof C & string; kind: FlagKind }>
  /** the settings a resumed run may change */
  resumable: (keyof C & string)[]
  /** the settings of `--quick`, a short run: under a config file's settings and the flags */
  quick?: Partial<C>
  /**
   * the settings that take a DSL function: a catalog name, or `path/to/file.ts:exportName`
   * (stdlib/train/functionSetting.ts), its path read from the working folder for a flag and from
   * the config file's folder for a config key
   */
  functionSettings?: (keyof C & string)[]
  /**
   * what the target checks (and records) before anything is written, beyond each setting on its
   * own: a user's function compiled once, its file's SHA-256 (a RunError for a problem)
   */
  prepare?(config: C): Promise<C>
  /** defaults, then each layer: checked (a RunError otherwise) */
  resolve(...layers: object[]): C
  /** where a run goes without --out (the first of DIR, DIR-2, … that holds no run) */
  defaultOut(config: C): string
  /** the checkpoint file of the run in DIR, or undefined */
  findRun(dir: string): string | undefined
  /** the run in DIR (a RunError when missing or corrupt) */
  load(dir: string): R | Promise<R>
  /** what the progress shows the loss as */
  labels(config: C): string[]
  logEvery(config: C): number
  steps(config: C): number
  /** the run: its summary lines */
  train(o: {
    config: C
    out: string
    resume?: R
    backend: string
    progress: (start: number) => Progress
  }): Promise<string>
}

/** `weightDecay` → `weight-decay`: a setting's flag name. */
const flagName = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** The settings of every run trained with AdamW and saved as it goes (the MNIST runs). */
export const ADAMW_RUN_SETTINGS = [
  'steps',
  'lr',
  'warmup',
  'beta1',
  'beta2',
  'weightDecay',
  'seed',
  'checkpointEvery',
  'logEvery',
] as const

/** The flags of the settings `keys` of each kind, each named after its setting (`nNeg` → `--n-neg`). */
export function settingFlags<C extends object>(
  keys: Partial<Record<FlagKind, readonly (keyof C & string)[]>>,
): TrainTarget<C, Resumable<C>>['flags'] {
  const kinds = Object.entries(keys) as [FlagKind, readonly (keyof C & string)[]][]
  return Object.fromEntries(kinds.flatMap(([kind, ks]) => ks.map((key) => [flagName(key), { key, kind }])))
}

function number(flag: string, text: string): number {
  const v = Number(text)
  if (text.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${flag} expects a number, got '${text}'`)
  return v
}

function flagSettings<C extends object>(
  values: Record<string, string | undefined>,
  flags: TrainTarget<C, Resumable<C>>['flags'],
): Partial<C> {
  const out: Record<string, unknown> = {}
  for (const [flag, { key, kind }] of Object.entries(flags)) {
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
  return out as Partial<C>
}

/** The settings with each function setting's file reference made absolute from `base`. */
function withAbsoluteReferences<T extends object>(settings: T, keys: string[] | undefined, base: string): T {
  const out = { ...settings } as Record<string, unknown>
  for (const key of keys ?? []) if (typeof out[key] === 'string') out[key] = settingFrom(out[key] as string, base)
  return out as unknown as T
}

function readConfigFile(file: string, keys: string[]): Record<string, unknown> {
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
    throw new UsageError(`config file ${file} should hold one JSON object of settings (${keys.join(', ')})`)
  return v as Record<string, unknown>
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

const usageOf = (e: unknown): unknown => (e instanceof RunError ? new UsageError(e.message) : e)

/** f(), with a RunError (a problem with what was asked) turned into a UsageError. */
function asUsage<T>(f: () => Promise<T>): Promise<T>
function asUsage<T>(f: () => T): T
function asUsage<T>(f: () => T | Promise<T>): T | Promise<T> {
  try {
    const v = f()
    return v instanceof Promise ? v.catch((e) => Promise.reject(usageOf(e))) : v
  } catch (e) {
    throw usageOf(e)
  }
}

export async function runTrainCommand<C extends object, R extends Resumable<C>>(
  target: TrainTarget<C, R>,
  args: string[],
  usage: string,
): Promise<number> {
  const valued = [...Object.keys(target.flags), 'config', 'resume', 'out', 'backend']
  const { values, positionals } = parseArgs({
    args: joinNegativeValues(args, valued),
    allowPositionals: true,
    strict: true,
    options: {
      ...Object.fromEntries(Object.keys(target.flags).map((f) => [f, { type: 'string' as const }])),
      config: { type: 'string' },
      resume: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
      ...(target.quick ? { quick: { type: 'boolean' as const } } : {}),
    },
  })
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals.join(' ')}': ${usage}`)
  const v = values as Record<string, string | undefined>
  if (v.backend !== undefined) {
    if (!(BACKENDS as readonly string[]).includes(v.backend))
      throw new UsageError(`unknown backend '${v.backend}': choose one of ${BACKENDS.join(', ')}`)
    process.env.DRIFT_BACKEND = v.backend
  }
  const flags = withAbsoluteReferences(flagSettings(v, target.flags), target.functionSettings, process.cwd())
  const keys = Object.values(target.flags).map((f) => f.key)

  let config: C
  let out: string
  let resume: R | undefined
  const quick = (values as { quick?: boolean }).quick === true
  if (v.resume !== undefined) {
    if (quick)
      throw new UsageError(
        '--quick cannot be combined with --resume: a resumed run keeps the settings of its checkpoint',
      )
    if (v.config !== undefined)
      throw new UsageError(
        '--config cannot be combined with --resume: a resumed run keeps the settings of its checkpoint',
      )
    const changed = Object.keys(flags).filter((k) => !(target.resumable as string[]).includes(k))
    if (changed.length)
      throw new UsageError(
        `--resume continues a run with its own settings: ${changed.join(', ')} cannot change (only ${target.resumable.join(', ')} can)`,
      )
    out = v.resume
    if (v.out !== undefined && path.resolve(v.out) !== path.resolve(out))
      throw new UsageError(`--resume ${v.resume} writes into its own folder: leave out --out or give the same folder`)
    const ck = await asUsage(async () => await target.load(out))
    config = asUsage(() => target.resolve(ck.config, flags))
    if (ck.step > target.steps(config))
      throw new UsageError(`the checkpoint in ${out} is at step ${ck.step}, past --steps ${target.steps(config)}`)
    if (ck.backend !== currentBackend())
      process.stderr.write(
        `drift: note: the checkpoint was computed on ${ck.backend}, this run uses ${currentBackend()}: it continues, but not bit for bit\n`,
      )
    resume = ck
  } else {
    const file =
      v.config === undefined
        ? {}
        : withAbsoluteReferences(
            readConfigFile(v.config, keys),
            target.functionSettings,
            path.dirname(path.resolve(v.config)),
          )
    config = asUsage(() => target.resolve(quick ? (target.quick ?? {}) : {}, file, flags))
    if (v.out !== undefined) out = v.out
    else {
      const base = target.defaultOut(config)
      out = base
      for (let k = 2; target.findRun(out); k++) out = `${base}-${k}`
    }
    const existing = target.findRun(out)
    if (existing)
      throw new UsageError(
        `${out} already holds a run (${path.basename(existing)}): continue it with --resume ${out}, or choose another --out`,
      )
  }
  checkOutputFolder(out, `output folder ${out}`)
  const prepare = target.prepare
  if (prepare) config = await asUsage(() => prepare(config))
  const created = prepareOutDir(out)
  if (v.out === undefined && v.resume === undefined) process.stderr.write(`drift: writing the run into ${out}\n`)

  const tty = Boolean(process.stdout.isTTY)
  try {
    const summary = await target.train({
      config,
      out,
      resume,
      backend: currentBackend(),
      progress: (start) =>
        makeProgress({
          start,
          total: target.steps(config),
          labels: target.labels(config),
          logEvery: target.logEvery(config),
          tty,
          out: process.stdout,
        }),
    })
    console.log(summary)
    return 0
  } catch (e) {
    removeIfEmpty(created)
    if (e instanceof NonFiniteLossError) {
      console.error(`drift: ${e.message}`)
      return 3
    }
    if (e instanceof RunError) throw new UsageError(e.message)
    throw e
  }
}
