/**
 * The ahead-of-time runtime in a browser (bundled as drift-browser.mjs): `load` an artifact from
 * its address or from its files, and call its functions. Nothing runs on the page's thread: a
 * module worker (drift-browser-worker.mjs, next to this bundle) checks and runs everything
 * (browserWorker.ts), and calls are answered by messages. Where the page is cross-origin isolated
 * the worker spreads big kernels over a pool of workers on one shared memory; otherwise it runs
 * them alone. `info` says which.
 */
import { leaves, toNDArray } from './args.js'
import type { Compiled } from './artifact.js'
import type {
  BrowserBackend,
  ErrorInfo,
  LoadMessage,
  PageMessage,
  RunInfo,
  Stats,
  WorkerReply,
} from './browserWorker.js'

export type { HostArray } from './args.js'
export type { Compiled } from './artifact.js'
export type { BrowserBackend, RunInfo, Stats } from './browserWorker.js'

export interface LoadOptions {
  /** wasm (default: drift's WebAssembly kernels) or webgpu (its WGSL kernels on the browser's WebGPU device) */
  backend?: BrowserBackend
  /** wasm: threads a kernel launch may use (default: every core where the page is cross-origin isolated, else 1) */
  threads?: number
  /** the worker bundle (default: drift-browser-worker.mjs beside this file) */
  worker?: URL
}

export interface Loaded {
  /** the artifact's functions; each runs the entry compiled for its arguments' shapes and dtypes */
  functions: Compiled
  info: RunInfo
  /** what has run so far (kernels instantiated, launches split over threads) */
  stats(): Promise<Stats>
  /** stop the workers; the functions then fail */
  close(): void
}

/** An error from the worker, with the name it had there (ArtifactError, BackendError, …). */
function rebuild(e: ErrorInfo): Error {
  const err = new Error(e.message)
  err.name = e.name
  return err
}

/**
 * Load an artifact: `source` is the folder's address (relative to the page, fetched with its
 * manifest, plans and .wasm modules) or its files by name (manifest.json and the files it names).
 */
export async function load(
  source: string | URL | Record<string, ArrayBuffer | Uint8Array>,
  opts: LoadOptions = {},
): Promise<Loaded> {
  const script = opts.worker ?? new URL('./drift-browser-worker.mjs', import.meta.url)
  const worker = new Worker(script, { type: 'module', name: 'drift' })
  const start: LoadMessage = { type: 'load', backend: opts.backend, threads: opts.threads }
  if (typeof source === 'string' || source instanceof URL) {
    const base = new URL(source, location.href)
    if (!base.pathname.endsWith('/')) base.pathname += '/'
    start.base = base.href
  } else
    start.files = Object.fromEntries(
      Object.entries(source).map(([k, v]) => [k, v instanceof Uint8Array ? v : new Uint8Array(v)]),
    )
  const pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>()
  let next = 0
  let closed = false
  const ask = <T>(m: PageMessage): Promise<T> => {
    if (closed) return Promise.reject(new Error('this artifact was closed'))
    return new Promise<T>((resolve, reject) => {
      pending.set(m.id, { resolve: resolve as (v: never) => void, reject })
      worker.postMessage(m)
    })
  }
  const loaded = await new Promise<{ functions: string[]; info: RunInfo }>((resolve, reject) => {
    worker.onerror = (e) =>
      reject(new Error(`the drift worker ${script} did not start (${e.message}): serve it beside drift-browser.mjs`))
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const r = e.data
      if (r.type === 'loaded') resolve(r)
      else if (r.type === 'failed') reject(rebuild(r.error))
    }
    worker.postMessage(start)
  }).catch((e) => {
    worker.terminate()
    throw e
  })
  worker.onmessage = (e: MessageEvent<WorkerReply>) => {
    const r = e.data
    if (r.type !== 'result' && r.type !== 'error' && r.type !== 'stats') return
    const p = pending.get(r.id)
    pending.delete(r.id)
    if (r.type === 'error') p?.reject(rebuild(r.error))
    else p?.resolve((r.type === 'result' ? r.result : r.stats) as never)
  }
  worker.onerror = (e) => {
    for (const p of pending.values()) p.reject(new Error(`the drift worker failed: ${e.message}`))
    pending.clear()
  }
  const functions: Compiled = {}
  for (const name of loaded.functions)
    functions[name] = (...args: unknown[]) =>
      ask({ type: 'call', id: next++, name, args: leaves(args).map((v) => (typeof v === 'number' ? v : toNDArray(v))) })
  return {
    functions,
    info: loaded.info,
    stats: () => ask<Stats>({ type: 'stats', id: next++ }),
    close() {
      closed = true
      worker.terminate()
      for (const p of pending.values()) p.reject(new Error('this artifact was closed'))
      pending.clear()
    },
  }
}
