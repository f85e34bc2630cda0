/**
 * The playground as static files: the page, its stylesheet, one bundle (the editor, the page and
 * the whole compiler: frontend with ts-morph, fusion, the wasm and WGSL code generators) and the
 * DSL sources the page compiles against (the stdlib fields and similarity kernels), all from this
 * package and node_modules. Nothing is fetched from elsewhere: the page works offline.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '..')

/** The DSL sources the page holds in memory, folders and files (relative to the package root). */
export const SOURCES = [
  'dsl',
  'stdlib/fields',
  'stdlib/similarity',
  'stdlib/toy2d/datasets.ts',
  'playground/particles.ts',
]

/** Node built-ins the compiler imports, served to the bundle by playground/shims. */
const NODE_BUILTINS = /^(node:)?(fs|os|v8|url|module|crypto|child_process|worker_threads)$/

const browserShims: esbuild.Plugin = {
  name: 'drift-browser-shims',
  setup(b) {
    b.onResolve({ filter: NODE_BUILTINS }, () => ({ path: path.join(HERE, 'shims/node.ts') }))
    b.onResolve({ filter: /^(node:)?path$/ }, () => ({
      path: path.join(ROOT, 'node_modules/path-browserify/index.js'),
    }))
    b.onResolve({ filter: /\/tsMorph\.js$/ }, (a) =>
      path.resolve(a.resolveDir, a.path) === path.join(ROOT, 'compiler/frontend/tsMorph.js')
        ? { path: path.join(HERE, 'shims/tsMorph.ts') }
        : undefined,
    )
  },
}

/** The DSL sources the page compiles against, by path relative to the package root. */
export function dslSources(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of SOURCES) {
    const names = entry.endsWith('.ts')
      ? [entry]
      : fs
          .readdirSync(path.join(ROOT, entry))
          .sort()
          .map((n) => `${entry}/${n}`)
    for (const name of names) if (name.endsWith('.ts')) out[name] = fs.readFileSync(path.join(ROOT, name), 'utf8')
  }
  return out
}

/** Every file of the site, by name. */
export async function buildSite(): Promise<Map<string, string | Uint8Array>> {
  const r = await esbuild.build({
    entryPoints: [path.join(HERE, 'page/main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    outfile: 'main.js',
    plugins: [browserShims],
    inject: [path.join(HERE, 'shims/process.ts')],
    logLevel: 'silent',
  })
  const files = new Map<string, string | Uint8Array>()
  for (const f of r.outputFiles) files.set(path.basename(f.path), f.contents)
  for (const name of ['index.html', 'style.css']) files.set(name, fs.readFileSync(path.join(HERE, 'page', name)))
  files.set('sources.json', JSON.stringify(dslSources()))
  return files
}

/** Write the site into `dir` (made if missing); returns the names written. */
export async function writeSite(dir: string): Promise<string[]> {
  const files = await buildSite()
  fs.mkdirSync(dir, { recursive: true })
  for (const [name, data] of files) fs.writeFileSync(path.join(dir, name), data)
  return [...files.keys()]
}
