/**
 * Ahead-of-time artifacts in a browser: the browser bundles build for a browser without Node
 * modules, and an artifact (the paper's field and its gradient) runs in headless Chromium, on a
 * pool of workers where the page is cross-origin isolated and on one worker where it is not,
 * every output within float32 bounds of the float64 interpreter.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, expect, test } from 'vitest'
import { BROWSER_BUNDLE, BROWSER_WORKER, runtimeBundles } from '../compiler/aot/compile.js'
import { interpret } from '../compiler/ir/interpret.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import type { Specialized } from '../compiler/frontend/specialize.js'
import { describeInBrowser, openPage, serveFolder } from './browser.js'
import { lower, randn, rng, rootPath, ROOT, scalar, T } from './helpers.js'
import { expectFloat32Run } from './tolerance.js'

const FIXTURE = 'test/fixtures/browserField.ts'
const OUT = path.join(ROOT, '.drift-cache', `aot-browser-${process.pid}`)
/** 512 samples and 512 targets: the logits kernels (512 × 1024 cells) are big enough to be split over threads. */
const N = 512
const TAU = 0.4
/** The inputs' seed (fixed: every run draws the same inputs). */
const SEED = 7321

test('the browser bundles build for a browser and import no Node module', async () => {
  const bundles = await runtimeBundles()
  for (const name of [BROWSER_BUNDLE, BROWSER_WORKER]) {
    const text = bundles.get(name)!
    expect(text.length, name).toBeGreaterThan(1000)
    expect(text, name).not.toMatch(/\bnode:|\brequire\(|\bprocess\.(env|cwd|on)\b/)
    expect(text, name).not.toMatch(/ts-morph|typescript/i)
  }
  // the page's module only talks to the worker: the kernels and the executor are in the worker's bundle
  expect(bundles.get(BROWSER_BUNDLE)!).toMatch(/new URL\(["']\.\/drift-browser-worker\.mjs["'], import\.meta\.url\)/)
  expect(bundles.get(BROWSER_WORKER)!).toContain('WebAssembly.Instance')
  expect(bundles.get(BROWSER_BUNDLE)!.length).toBeLessThan(10_000)
}, 60_000)

/** The test page: the browser bundle's load, once imported. */
const PAGE = `<!doctype html><title>drift</title>
<script type="module">import { load } from './drift-browser.mjs'; window.driftLoad = load; document.title = 'ready'</script>`
interface PageGlobals {
  driftLoad: typeof import('../compiler/aot/browser.js').load
}

/** What the page returns: each output's shape and data, the run's info and stats. */
interface PageRun {
  info: { backend: string; threads: number; crossOriginIsolated: boolean; adapter?: string }
  stats: { kernels: number; splitLaunches: number }
  outputs: Record<string, { shape: number[]; dtype: string; data: number[] }>
}

/** Load the artifact in the page (from its address, or from its files fetched by the page) and run it once. */
function runInPage(
  page: Page,
  inputs: number[][],
  opts: { threads?: number; fromFiles?: boolean; backend?: 'wasm' | 'webgpu' },
): Promise<PageRun> {
  return page.evaluate(
    async ({ inputs, opts, n, tau }) => {
      const load = (window as unknown as PageGlobals).driftLoad
      let source: string | Record<string, ArrayBuffer> = './'
      if (opts.fromFiles) {
        const get = async (f: string) => (await fetch(f)).arrayBuffer()
        const manifest = JSON.parse(new TextDecoder().decode(await get('manifest.json')))
        const names = manifest.functions.fieldAndVjp.entries.flatMap(
          (e: { plans: { wasm: string }; wasmKernels: Record<string, string> }) => [
            e.plans.wasm,
            ...Object.values(e.wasmKernels),
          ],
        )
        source = { 'manifest.json': await get('manifest.json') }
        for (const f of names) source[f] = await get(f)
      }
      const a = await load(source, { threads: opts.threads, backend: opts.backend })
      const t = (data: number[]) => ({ shape: [n, 2], dtype: 'f32', data: Float32Array.from(data) })
      const [x, pos, neg, ct] = inputs.map(t)
      type Out = { shape: number[]; dtype: string; data: Float32Array }
      const out = (await a.functions.fieldAndVjp(x, pos, neg, tau, ct)) as { field: Out; gx: Out }
      const stats = await a.stats()
      a.close()
      const plain = (v: Out) => ({
        shape: v.shape,
        dtype: v.dtype,
        data: Array.from(v.data),
      })
      return { info: a.info, stats, outputs: { field: plain(out.field), gx: plain(out.gx) } }
    },
    { inputs, opts, n: N, tau: TAU },
  )
}

/** The page's error when loading with these options fails. */
const loadError = (page: Page, source: unknown, opts: object) =>
  page.evaluate(
    async ({ source, opts }) => {
      const load = (window as unknown as PageGlobals).driftLoad
      try {
        await load(source as string, opts)
        return 'loaded'
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`
      }
    },
    { source, opts },
  )

/** The compiled artifact's inputs and the float64 interpreter's outputs. */
interface Reference {
  spec: Specialized
  inputs: number[][]
  want: NDArray[]
}
let made: Reference | undefined
/** Compile the artifact and run the interpreter once, for every browser test of the file. */
function reference(): Reference {
  if (made) return made
  fs.rmSync(OUT, { recursive: true, force: true })
  const shapes = `x=${N}x2,pos=${N}x2,neg=${N}x2,ct=${N}x2`
  const compiled = spawnSync(
    process.execPath,
    ['bin/drift.mjs', 'compile', FIXTURE, '--fn', 'fieldAndVjp', '--shapes', shapes, '-o', OUT],
    { cwd: ROOT, encoding: 'utf8' },
  )
  expect(compiled.status, compiled.stderr).toBe(0)
  const spec = lower(rootPath(FIXTURE), 'fieldAndVjp', [T([N, 2]), T([N, 2]), T([N, 2]), T([]), T([N, 2])])
  const r = rng(SEED)
  const [x, pos, neg, ct] = [0, 1, 2, 3].map(() => randn([N, 2], r))
  const want = interpret(spec.graph, [x, pos, neg, scalar(TAU), ct], 'f64')
  return (made = { spec, inputs: [x, pos, neg, ct].map((a) => Array.from(a.data)), want })
}
afterAll(() => fs.rmSync(OUT, { recursive: true, force: true }))

/** Both outputs of a run in the page within float32 bounds of the float64 interpreter. */
function check(run: PageRun, what: string): void {
  const { spec, want } = reference()
  const got = ['field', 'gx'].map((k): NDArray => {
    const o = run.outputs[k]
    expect(o.shape, `${what}: ${k}`).toEqual([N, 2])
    return { shape: o.shape, dtype: 'f32', data: Float64Array.from(o.data) }
  })
  expectFloat32Run(spec.graph, got, want, `${what} (inputs drawn with seed ${SEED})`)
}

/** The artifact's folder served (with or without the isolation headers) and the test page open on it. */
async function serve(browser: Browser, isolated: boolean, body: (page: Page) => Promise<void>): Promise<void> {
  const served = await serveFolder(OUT, { isolated, files: { 'index.html': PAGE } })
  try {
    const { page, errors } = await openPage(browser, served.url)
    await page.waitForFunction(() => document.title === 'ready')
    await body(page)
    expect(errors.filter((e) => !e.includes('status of 404'))).toEqual([])
    await page.close()
  } finally {
    await served.close()
  }
}

describeInBrowser('an artifact in a browser', (browser) => {
  const oneThread: Record<string, number[]> = {}

  test('without cross-origin isolation: one thread, from the address and from the files, matching the float64 interpreter', async () => {
    const { inputs } = reference()
    await serve(browser(), false, async (page) => {
      const run = await runInPage(page, inputs, {})
      expect(run.info).toEqual({ backend: 'wasm', threads: 1, crossOriginIsolated: false })
      expect(run.stats.splitLaunches).toBe(0)
      expect(run.stats.kernels).toBeGreaterThan(1)
      check(run, 'fieldAndVjp in the browser, one thread')
      for (const k of ['field', 'gx']) oneThread[k] = run.outputs[k].data
      const fromFiles = await runInPage(page, inputs, { fromFiles: true })
      for (const k of ['field', 'gx']) expect(fromFiles.outputs[k].data, k).toEqual(oneThread[k])
      expect(await loadError(page, './', { threads: 2 })).toMatch(
        /^ArtifactError: threads: 2 needs a cross-origin isolated page \(serve it and the runtime with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp\); without it, load with threads: 1$/,
      )
    })
  }, 120_000)

  test('cross-origin isolated: kernels split over a pool of workers, the same numbers as one thread', async () => {
    const { inputs } = reference()
    await serve(browser(), true, async (page) => {
      const run = await runInPage(page, inputs, { threads: 2 })
      expect(run.info).toEqual({ backend: 'wasm', threads: 2, crossOriginIsolated: true })
      expect(run.stats.splitLaunches).toBeGreaterThan(0)
      check(run, 'fieldAndVjp in the browser, two threads')
      // a band computes its cells exactly as the whole grid does
      if (oneThread.field) for (const k of ['field', 'gx']) expect(run.outputs[k].data, k).toEqual(oneThread[k])
      // by default, every core the browser reports
      const cores = await page.evaluate(() => navigator.hardwareConcurrency)
      const byDefault = await runInPage(page, inputs, {})
      expect(byDefault.info.threads).toBe(Math.min(cores, 64))
    })
  }, 120_000)

  test('the files are checked as in Node: a damaged kernel module or manifest is refused with one line naming the file', async () => {
    reference()
    await serve(browser(), false, async (page) => {
      const m = JSON.parse(fs.readFileSync(path.join(OUT, 'manifest.json'), 'utf8'))
      const entry = m.functions.fieldAndVjp.entries[0]
      const files: Record<string, number[]> = { 'manifest.json': [...fs.readFileSync(path.join(OUT, 'manifest.json'))] }
      for (const f of [entry.plans.wasm, ...Object.values(entry.wasmKernels)] as string[])
        files[f] = [...fs.readFileSync(path.join(OUT, f))]
      const [kernel] = Object.values(entry.wasmKernels) as string[]
      const load = (given: Record<string, number[]>) =>
        page.evaluate(async (given) => {
          const load = (window as unknown as PageGlobals).driftLoad
          const source = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, Uint8Array.from(v)]))
          try {
            await load(source)
            return 'loaded'
          } catch (e) {
            return `${(e as Error).name}: ${(e as Error).message}`
          }
        }, given)
      expect(await load(files)).toBe('loaded')
      expect(await load({ ...files, [kernel]: [0, 97, 115, 109, 1, 0, 0, 0, 99] })).toBe(
        `ArtifactError: the given files/${kernel} is not a valid WebAssembly module: compile the artifact again`,
      )
      const old = new TextEncoder().encode(JSON.stringify({ ...m, format: 'drift-aot-1' }))
      expect(await load({ ...files, 'manifest.json': [...old] })).toMatch(
        /^ArtifactError: the given files\/manifest\.json is in the older format drift-aot-1, which this runtime does not load/,
      )
      const { [kernel]: _, ...withoutKernel } = files
      expect(await load(withoutKernel)).toBe(
        `ArtifactError: the given files/${kernel}: no such file among the artifact's files`,
      )
      expect(await loadError(page, './missing/', {})).toMatch(
        /^ArtifactError: cannot fetch http:\/\/127\.0\.0\.1:\d+\/missing\/manifest\.json: HTTP 404 Not Found$/,
      )
    })
  }, 120_000)
})

describeInBrowser(
  "an artifact on the browser's WebGPU",
  (browser) => {
    test('the webgpu plans run on the adapter the browser offers, matching the float64 interpreter', async () => {
      const { inputs } = reference()
      await serve(browser(), false, async (page) => {
        const run = await runInPage(page, inputs, { backend: 'webgpu' })
        expect(run.info.backend).toBe('webgpu')
        expect(run.info.adapter, 'the adapter the browser describes').toMatch(/\w/)
        expect(run.stats.kernels).toBeGreaterThan(1)
        check(run, `fieldAndVjp on the browser's WebGPU (${run.info.adapter})`)
        expect(await loadError(page, './', { backend: 'webgpu', threads: 2 })).toBe(
          "ArtifactError: threads: 2 applies to the wasm backend; webgpu runs on the browser's GPU device",
        )
      })
    }, 120_000)
  },
  // Chromium exposes WebGPU on Linux only behind this flag; without a GPU its adapter is SwiftShader
  ['--enable-unsafe-webgpu'],
)
