/** The `drift` command line: inspect, compile and run (the compiler's commands), and the programs' commands (train, sample, fields). */
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { UsageError } from '../compiler/cli/shapes.js'
import { DataError } from '../stdlib/io/errors.js'
import { DUMPS, inspect } from '../compiler/cli/inspect.js'
import { BACKENDS } from '../compiler/runtime/backend.js'
import { SAMPLE_USAGE, TRAIN_USAGE } from './usage.js'

const USAGE = `usage:
  drift inspect <file.ts> --fn <name> [--shapes x=64x2,pos=128x2] [--static n=3] [--dump ${DUMPS.join('|')}] [--wrt x,w]
      ir: the L1 program; grad: [value, gradient] with respect to --wrt (default: the first parameter)
      kernels: the fused plan and each kernel's code (--explain says why each buffer exists)
      wasm: the plan for the wasm backend and how each kernel is tiled
      js: the gpu.js kernel sources; glsl: gpu.js's GLSL (WebGL2) translation of them;
      wgsl: the plan for the webgpu backend and the WGSL of each kernel
  drift run [--backend auto|interpreter|wasm|cpu|webasm|webasm-threads|webgpu] <file.ts> [args...]
  drift compile <file.ts> --fn <name> [--shapes …] [--static …] -o <dir>   kernels, plan, manifest, IR and a runtime bundle
  drift run [--backend auto|interpreter|wasm|cpu|webasm|webasm-threads|webgpu] <file.ts> [args...]   run a program that calls DSL functions
  ${Object.values(TRAIN_USAGE).join('\n  ')}
  ${SAMPLE_USAGE}
  drift fields [--write]   the table of stdlib fields with their kernel counts (--write: into docs/fields.md)
  drift --help`

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  try {
    switch (cmd) {
      case 'inspect': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            fn: { type: 'string' },
            shapes: { type: 'string' },
            static: { type: 'string' },
            wrt: { type: 'string' },
            explain: { type: 'boolean' },
            dump: { type: 'string', default: 'ir' },
          },
        })
        if (positionals.length !== 1)
          throw new UsageError('inspect takes one file: drift inspect <file.ts> --fn <name> --shapes …')
        if (!values.fn) throw new UsageError('missing --fn <name>: the DSL function to inspect')
        inspect(
          {
            file: positionals[0],
            fn: values.fn,
            shapes: values.shapes,
            static: values.static,
            wrt: values.wrt,
            explain: values.explain,
            dump: values.dump!,
          },
          (s) => console.log(s),
        )
        return 0
      }
      case 'compile': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            fn: { type: 'string' },
            shapes: { type: 'string' },
            static: { type: 'string' },
            out: { type: 'string', short: 'o' },
          },
        })
        if (positionals.length !== 1)
          throw new UsageError('compile takes one file: drift compile <file.ts> --fn <name> --shapes … -o <dir>')
        if (!values.fn) throw new UsageError('missing --fn <name>: the DSL function to compile')
        if (!values.out) throw new UsageError('missing -o <dir>: where to write the compiled function')
        const { resolveEntry } = await import('../compiler/cli/inspect.js')
        const { specialize } = await import('../compiler/frontend/specialize.js')
        const { formatDiagnostic } = await import('../compiler/frontend/diagnostics.js')
        const { compileToDir } = await import('../compiler/aot/compile.js')
        const entry = resolveEntry({
          file: positionals[0],
          fn: values.fn,
          shapes: values.shapes,
          static: values.static,
        })
        const r = specialize({ file: entry.file, exportName: values.fn }, entry.specs)
        if (r._tag === 'Left') throw new UsageError(r.left.map((d) => formatDiagnostic(d)).join('\n'))
        const out = path.resolve(values.out)
        try {
          fs.mkdirSync(out, { recursive: true })
          fs.accessSync(out, fs.constants.W_OK)
        } catch {
          throw new UsageError(`cannot write to ${values.out}`)
        }
        const files = await compileToDir(r.right, entry.specs, entry.names, entry.file, out)
        console.log(`compiled ${values.fn} into ${values.out}: ${files.join(', ')}`)
        return 0
      }
      case 'run': {
        let args = rest
        if (args[0] === '--backend' || args[0]?.startsWith('--backend=')) {
          const name = args[0].includes('=') ? args[0].split('=')[1] : args[1]
          args = args.slice(args[0].includes('=') ? 1 : 2)
          if (!(BACKENDS as readonly string[]).includes(name ?? ''))
            throw new UsageError(`unknown backend '${name}': choose one of ${BACKENDS.join(', ')}`)
          process.env.DRIFT_BACKEND = name
        }
        const [file, ...programArgs] = args
        if (!file) throw new UsageError('run takes a file: drift run <file.ts>')
        const abs = path.resolve(file)
        if (!fs.existsSync(abs)) throw new UsageError(`no such file: ${file}`)
        process.argv = [process.argv[0], abs, ...programArgs]
        await import(pathToFileURL(abs).href)
        return 0
      }
      case 'train':
        return await (await import('./train.js')).trainCommand(rest)
      case 'sample':
        return await (await import('./toy2d/sample.js')).sampleCommand(rest)
      case 'fields':
        return (await import('./fields.js')).fieldsCommand(rest)
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
    if (
      e instanceof UsageError ||
      e instanceof DataError ||
      (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(`drift: ${e.message}`)
      return 2
    }
    if (e instanceof Error && e.name === 'DslCompileError') {
      console.error(e.message)
      return 1
    }
    throw e
  }
}
