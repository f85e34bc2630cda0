/**
 * The browser runtime's worker (bundled as drift-browser-worker.mjs beside drift-browser.mjs).
 * Its first message gives its role. As the coordinator, started by browser.ts, it fetches (or is
 * given) the artifact's files, checks and loads them exactly as Node's loader does (artifact.ts),
 * starts the thread pool when the page is cross-origin isolated, and runs the calls the page
 * posts; a launch may block on Atomics.wait here, which a page's main thread may not. With the
 * webgpu backend it runs the webgpu plans on the browser's WebGPU device instead. As a pool
 * thread, started by the coordinator, it runs kernel bands (platform.ts).
 */
import { ArtifactError, MAX_MANIFEST_BYTES } from './format.js'
import {
  bind,
  filesOf,
  provideKernels,
  readArtifact,
  readManifest,
  type ArtifactSource,
  type LoadedFunction,
} from './artifact.js'
import { leaves } from './args.js'
import type { NDArray } from '../ir/ndarray.js'
import { WasmExecutor } from '../backend/wasm/executor.js'
import { kernelThread, MAX_POOL, type ThreadMessage } from '../backend/wasm/platform.js'
import { WebWorkerPool, type ThreadStart } from '../backend/wasm/webWorkers.js'
import { WebGPUExecutor } from '../backend/webgpu/executor.js'
import { browserDevice } from '../backend/webgpu/browserDevice.js'
import type { Plan } from '../kernel/types.js'

/** The backends a browser runs: drift's WebAssembly kernels, or its WGSL kernels on the browser's WebGPU. */
export type BrowserBackend = 'wasm' | 'webgpu'

/** How the functions run: the threads a launch may use and why. */
export interface RunInfo {
  backend: BrowserBackend
  /** threads a wasm kernel launch may use, this worker's included (1 on webgpu) */
  threads: number
  /** whether the page (and so this worker) is cross-origin isolated: shared memory between workers needs it */
  crossOriginIsolated: boolean
  /** webgpu: the adapter, as the browser describes it */
  adapter?: string
}

/** The page's first message to the coordinator. */
export interface LoadMessage {
  type: 'load'
  /** the artifact folder's address (absolute), or */
  base?: string
  /** its files by name */
  files?: Record<string, Uint8Array>
  /** wasm (default) or webgpu */
  backend?: BrowserBackend
  /** wasm: threads to use (default: every core when cross-origin isolated, else 1) */
  threads?: number
}
export type PageMessage = { type: 'call'; id: number; name: string; args: unknown[] } | { type: 'stats'; id: number }

export interface ErrorInfo {
  name: string
  message: string
}
export type WorkerReply =
  | { type: 'loaded'; functions: string[]; info: RunInfo }
  | { type: 'failed'; error: ErrorInfo }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: ErrorInfo }
  | { type: 'stats'; id: number; stats: Stats }

/** What the executor has done so far: kernels instantiated, launches split over threads. */
export interface Stats {
  kernels: number
  splitLaunches: number
}

interface WorkerScope {
  onmessage: ((e: MessageEvent) => void) | null
  postMessage(m: unknown, transfer?: Transferable[]): void
  crossOriginIsolated: boolean
  navigator: { hardwareConcurrency: number }
}
const scope = globalThis as unknown as WorkerScope

const errorInfo = (e: unknown): ErrorInfo =>
  e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) }

/** Files in memory as an artifact source. */
function inMemory(files: Map<string, Uint8Array>, folder: string): ArtifactSource {
  const where = (name: string) => `${folder}${folder.endsWith('/') ? '' : '/'}${name}`
  return {
    folder,
    where,
    read(name, max) {
      const bytes = files.get(name)
      if (bytes === undefined) throw new ArtifactError(`${where(name)}: no such file among the artifact's files`)
      if (bytes.length > max)
        throw new ArtifactError(`${where(name)} is ${bytes.length} bytes, over the limit of ${max}`)
      return bytes
    },
  }
}

async function fetchFile(url: URL, max: number): Promise<Uint8Array> {
  let res: Response
  try {
    res = await fetch(url)
  } catch (e) {
    throw new ArtifactError(`cannot fetch ${url}: ${(e as Error).message}`)
  }
  if (!res.ok) throw new ArtifactError(`cannot fetch ${url}: HTTP ${res.status} ${res.statusText}`)
  const length = Number(res.headers.get('content-length'))
  if (length > max) throw new ArtifactError(`${url} is ${length} bytes, over the limit of ${max}`)
  const bytes = new Uint8Array(await res.arrayBuffer())
  if (bytes.length > max) throw new ArtifactError(`${url} is ${bytes.length} bytes, over the limit of ${max}`)
  return bytes
}

/** The manifest and the backend's files under `base`, fetched. */
async function fetchArtifact(base: string, backend: BrowserBackend): Promise<Map<string, Uint8Array>> {
  const files = new Map([['manifest.json', await fetchFile(new URL('manifest.json', base), MAX_MANIFEST_BYTES)]])
  const wanted = filesOf(readManifest(inMemory(files, base)), backend)
  await Promise.all([...wanted].map(async ([name, max]) => files.set(name, await fetchFile(new URL(name, base), max))))
  return files
}

/** The threads to use: as asked, else every core where the page is cross-origin isolated, else one. */
function threadsFor(asked: number | undefined): number {
  if (asked === undefined)
    return scope.crossOriginIsolated ? Math.min(scope.navigator.hardwareConcurrency, MAX_POOL) : 1
  if (!Number.isInteger(asked) || asked < 1 || asked > MAX_POOL)
    throw new ArtifactError(`threads: ${asked} is not a whole number from 1 to ${MAX_POOL}`)
  if (asked > 1 && !scope.crossOriginIsolated)
    throw new ArtifactError(
      `threads: ${asked} needs a cross-origin isolated page (serve it and the runtime with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp); without it, load with threads: 1`,
    )
  return asked
}

/** How the loaded functions run on one backend. */
interface Runner {
  run(plan: Plan, inputs: NDArray[]): Promise<NDArray[]>
  info: RunInfo
  stats(): Stats
}

async function wasmRunner(fns: LoadedFunction[], asked: number | undefined): Promise<Runner> {
  const threads = threadsFor(asked)
  let pool: WebWorkerPool | undefined
  const executor = new WasmExecutor(
    threads > 1 ? (memory) => (pool = new WebWorkerPool(memory, threads - 1, new URL(import.meta.url))) : undefined,
  )
  await pool?.ready
  provideKernels(executor, fns)
  return {
    run: async (plan, inputs) => executor.run(plan, inputs),
    info: { backend: 'wasm', threads: executor.threads, crossOriginIsolated: scope.crossOriginIsolated },
    stats: () => ({ kernels: executor.builds, splitLaunches: executor.splitLaunches }),
  }
}

async function webgpuRunner(asked: number | undefined): Promise<Runner> {
  if (asked !== undefined)
    throw new ArtifactError(`threads: ${asked} applies to the wasm backend; webgpu runs on the browser's GPU device`)
  const executor = new WebGPUExecutor(browserDevice)
  const { info } = await executor.ready()
  return {
    run: (plan, inputs) => executor.run(plan, inputs),
    info: { backend: 'webgpu', threads: 1, crossOriginIsolated: scope.crossOriginIsolated, adapter: info.description },
    stats: () => ({ kernels: executor.builds, splitLaunches: 0 }),
  }
}

async function coordinate(m: LoadMessage): Promise<void> {
  const backend = m.backend ?? 'wasm'
  if (backend !== 'wasm' && backend !== 'webgpu')
    throw new ArtifactError(`backend: ${JSON.stringify(backend)} is not one a browser runs: wasm or webgpu`)
  const files = m.files ? new Map(Object.entries(m.files)) : await fetchArtifact(m.base!, backend)
  const fns = readArtifact(inMemory(files, m.base ?? 'the given files'), backend)
  const runner = backend === 'wasm' ? await wasmRunner(fns, m.threads) : await webgpuRunner(m.threads)
  const functions = bind(fns, (plan, inputs) => runner.run(plan, inputs))
  scope.onmessage = async (e: MessageEvent<PageMessage>) => {
    const c = e.data
    if (c.type === 'stats')
      return scope.postMessage({ type: 'stats', id: c.id, stats: runner.stats() } satisfies WorkerReply)
    try {
      const result = await functions[c.name](...c.args)
      const buffers = new Set(
        leaves(result).flatMap((v) => (typeof v === 'number' ? [] : [(v as NDArray).data.buffer])),
      )
      scope.postMessage({ type: 'result', id: c.id, result } satisfies WorkerReply, [...buffers] as ArrayBuffer[])
    } catch (err) {
      scope.postMessage({ type: 'error', id: c.id, error: errorInfo(err) } satisfies WorkerReply)
    }
  }
  scope.postMessage({ type: 'loaded', functions: Object.keys(functions), info: runner.info } satisfies WorkerReply)
}

scope.onmessage = (e: MessageEvent<LoadMessage | ThreadStart>) => {
  const m = e.data
  if (m.type === 'thread') {
    const handle = kernelThread(m.memory, m.flags)
    scope.onmessage = (e: MessageEvent<ThreadMessage>) => handle(e.data)
    scope.postMessage('ready')
    return
  }
  scope.onmessage = null
  coordinate(m).catch((err) => scope.postMessage({ type: 'failed', error: errorInfo(err) } satisfies WorkerReply))
}
