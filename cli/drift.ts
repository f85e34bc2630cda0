/**
 * The `drift` command line: inspect, compile and run (the compiler's commands), and the programs'
 * commands (train, sample, fields). Each command loads what it needs when it runs, so `drift --help`
 * and a bad flag answer at once. A problem with what the user asked is one `drift:` line (or a
 * compiler diagnostic) and a non-zero exit, never a stack trace.
 */
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { UsageError } from '../compiler/cli/shapes.js'
import { DUMPS } from '../compiler/cli/inspect.js'
import { BACKEND_NAMES } from '../compiler/backend/names.js'
import { EVAL_USAGE, isHelp, MNIST_SAMPLE_USAGE, SAMPLE_USAGE, TRAIN_USAGE } from './usage.js'
import { PLAYGROUND_USAGE } from './playground.js'

const BACKENDS = ['auto', ...BACKEND_NAMES].join('|')

const USAGE = `usage:
  drift inspect <file.ts> --fn <name> [--shapes x=64x2,pos=128x2] [--static n=3] [--fn-arg f=file.ts:name]
      [--dump ${DUMPS.join('|')}] [--wrt x,w] [--backend ${BACKENDS}] [--watch]
      ir: the L1 program; grad: [value, gradient] with respect to --wrt (default: the first parameter)
      kernels: the plan of the backend that runs it (--backend; default: the one drift run picks) and each
        kernel's code (--explain says why each buffer exists); wasm: the same for the wasm backend
      wgsl: the plan for the webgpu backend and the WGSL of each kernel (this machine's adapter, else WebGPU's defaults)
      js: the gpu.js kernel sources; glsl: gpu.js's GLSL (WebGL2) translation of them
      --fn-arg field=path/to/file.ts:exportName passes a DSL function to a function-valued parameter
      --watch prints again whenever a source file it was compiled from changes
  drift compile <file.ts> --fn <name> [--shapes …] [--static …] [--fn-arg …] -o <dir>
      kernels, plans, manifest, IR, a README and runtime bundles (Node and browser); another shape of the
      same function (or another function) compiled into the same folder is added beside the others
  drift run [--backend ${BACKENDS}] <file.ts> [args...]   run a program that calls DSL functions
  ${Object.values(TRAIN_USAGE).join('\n  ')}
  ${SAMPLE_USAGE}
  ${MNIST_SAMPLE_USAGE}
  ${EVAL_USAGE}
  drift fields [--write]   the table of stdlib fields with their kernel counts (--write: into docs/fields.md)
  ${PLAYGROUND_USAGE}
  drift --help`

/** The lines of USAGE for one command (its blocks: a `drift <command>` line and those indented under it). */
export function commandUsage(cmd: string): string {
  const blocks = USAGE.split('\n').reduce<string[][]>((acc, line) => {
    if (/^ {2}drift /.test(line)) acc.push([])
    acc.at(-1)?.push(line)
    return acc
  }, [])
  return blocks
    .filter((b) => b[0].startsWith(`  drift ${cmd} `) || b[0] === `  drift ${cmd}`)
    .map((b) => b.join('\n'))
    .join('\n')
}

/** Errors that report a problem with what the user asked (by name: the command line loads their modules only when used). */
const USER_ERRORS = new Set([
  'UsageError',
  'DataError',
  'RunError',
  'FileReferenceError',
  'OutputPathError',
  'ArtifactError',
])

/** The message and exit code of an error the user should see as one line (or a diagnostic); undefined for a bug. */
export function reportOf(e: unknown): { message: string; code: number } | undefined {
  if (!(e instanceof Error)) return undefined
  if (
    USER_ERRORS.has(e.name) ||
    (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
  )
    return { message: `drift: ${e.message}`, code: 2 }
  if (e.name === 'BackendError') return { message: `drift: ${e.message}`, code: 1 }
  if (e.name === 'DslCompileError') return { message: e.message, code: 1 }
  return undefined
}

const INSPECT_OPTIONS = {
  fn: { type: 'string' },
  shapes: { type: 'string' },
  static: { type: 'string' },
  'fn-arg': { type: 'string' },
  wrt: { type: 'string' },
  explain: { type: 'boolean' },
  backend: { type: 'string' },
  watch: { type: 'boolean' },
  dump: { type: 'string', default: 'ir' },
} as const

async function inspectCommand(rest: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: INSPECT_OPTIONS })
  if (positionals.length !== 1)
    throw new UsageError('inspect takes one file: drift inspect <file.ts> --fn <name> --shapes …')
  if (!values.fn) throw new UsageError('missing --fn <name>: the DSL function to inspect')
  if (!(DUMPS as readonly string[]).includes(values.dump))
    throw new UsageError(`unknown --dump '${values.dump}': choose one of ${DUMPS.join(', ')}`)
  if (values.backend !== undefined && !(['auto', ...BACKEND_NAMES] as readonly string[]).includes(values.backend))
    throw new UsageError(`unknown backend '${values.backend}': choose one of ${BACKENDS.replaceAll('|', ', ')}`)
  const { inspect } = await import('../compiler/cli/inspect.js')
  const args = {
    file: positionals[0],
    fn: values.fn,
    shapes: values.shapes,
    static: values.static,
    fnArgs: values['fn-arg'],
    wrt: values.wrt,
    explain: values.explain,
    backend: values.backend,
    dump: values.dump,
  }
  const print = (s: string) => console.log(s)
  if (!values.watch) {
    await inspect(args, print)
    return 0
  }
  const { watchRuns } = await import('../compiler/cli/watch.js')
  await watchRuns(
    () => inspect(args, print),
    positionals[0],
    print,
    (e) => {
      const r = reportOf(e)
      if (!r) throw e
      console.error(r.message)
    },
  )
  return 0
}

async function compileCommand(rest: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      fn: { type: 'string' },
      shapes: { type: 'string' },
      static: { type: 'string' },
      'fn-arg': { type: 'string' },
      out: { type: 'string', short: 'o' },
    },
  })
  if (positionals.length !== 1)
    throw new UsageError('compile takes one file: drift compile <file.ts> --fn <name> --shapes … -o <dir>')
  if (!values.fn) throw new UsageError('missing --fn <name>: the DSL function to compile')
  if (!values.out) throw new UsageError('missing -o <dir>: where to write the compiled function')
  const { checkOutputFolder } = await import('../compiler/runtime/outputPath.js')
  checkOutputFolder(values.out)
  const { resolveEntry } = await import('../compiler/cli/inspect.js')
  const { specialize } = await import('../compiler/frontend/specialize.js')
  const { DiagnosticError } = await import('../compiler/frontend/diagnostics.js')
  const { compileToDir, usageLines } = await import('../compiler/aot/compile.js')
  const entry = await resolveEntry({
    file: positionals[0],
    fn: values.fn,
    shapes: values.shapes,
    static: values.static,
    fnArgs: values['fn-arg'],
  })
  const r = specialize({ file: entry.file, exportName: values.fn }, entry.specs)
  if (r._tag === 'Left') throw new DiagnosticError(r.left[0], ...r.left.slice(1))
  const files = await compileToDir(r.right, entry.specs, entry.names, entry.file, path.resolve(values.out))
  console.log(`compiled ${values.fn} into ${values.out}: ${files.join(', ')}`)
  for (const line of usageLines(values.out)) console.log(line)
  return 0
}

async function runCommand(rest: string[]): Promise<number> {
  let args = rest
  if (args[0] === '--backend' || args[0]?.startsWith('--backend=')) {
    const name = args[0].includes('=') ? args[0].split('=')[1] : args[1]
    args = args.slice(args[0].includes('=') ? 1 : 2)
    if (!(['auto', ...BACKEND_NAMES] as readonly string[]).includes(name ?? ''))
      throw new UsageError(`unknown backend '${name}': choose one of ${BACKENDS.replaceAll('|', ', ')}`)
    process.env.DRIFT_BACKEND = name
  }
  const [file, ...programArgs] = args
  if (!file) throw new UsageError('run takes a file: drift run <file.ts>')
  const abs = path.resolve(file)
  const fs = await import('node:fs')
  if (!fs.existsSync(abs)) throw new UsageError(`no such file: ${file}`)
  process.argv = [process.argv[0], abs, ...programArgs]
  await import(pathToFileURL(abs).href)
  return 0
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  // `drift <command> --help` prints that command's usage (train's targets answer for themselves; a
  // program's own flags follow `drift run <file>`)
  const asksHelp = cmd === 'run' ? isHelp(rest[0] ?? '') : cmd !== 'train' && rest.some(isHelp)
  const usage = cmd !== undefined && asksHelp ? commandUsage(cmd) : ''
  if (usage) {
    console.log(usage)
    return 0
  }
  try {
    switch (cmd) {
      case 'inspect':
        return await inspectCommand(rest)
      case 'compile':
        return await compileCommand(rest)
      case 'run':
        return await runCommand(rest)
      case 'train':
        return await (await import('./train.js')).trainCommand(rest)
      case 'sample':
        return await (await import('./sample.js')).sampleCommand(rest)
      case 'eval':
        return await (await import('./mnist/eval.js')).evalCommand(rest)
      case 'fields':
        return (await import('./fields.js')).fieldsCommand(rest)
      case 'playground':
        return await (await import('./playground.js')).playgroundCommand(rest)
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(USAGE)
        return cmd === undefined ? 1 : 0
      default:
        throw new UsageError(`unknown command '${cmd}'\n${USAGE}`)
    }
  } catch (e) {
    const r = reportOf(e)
    if (!r) throw e
    console.error(r.message)
    return r.code
  }
}
