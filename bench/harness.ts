/**
 * What every side-by-side workload shares: the shape of a workload and its implementations, the
 * timing rule (one warm-up, then up to k runs within a time budget, median), the correctness check
 * against drift's float64 reference, the floor (FLOPs / the machine's measured peak), and the
 * drift backends to run (read from compiler/runtime/backend.ts, never listed here).
 */
import os from 'node:os'
import { BACKENDS, currentBackend, setBackend } from '../compiler/runtime/backend.js'
import { Tensor } from '../dsl/index.js'

/** The machine's practical f32 peak, GFLOP/s: OpenBLAS sgemm at n = 1024 and 2048, 1 or 2 threads, on the 2-vCPU benchmark machine. */
export const PEAK_GFLOPS = 87

/** Host outputs of one call, flattened to arrays (for the correctness check). */
export type Outputs = ArrayLike<number>[]

/** One implementation of a workload at one size: a complete end-to-end call, host arrays in, host arrays out. */
export interface Impl {
  /** Column name: `drift <backend>`, `tfjs-wasm`, `jax-js wasm`, `plain JS`. */
  name: string
  group: 'drift' | 'peer'
  run: () => Promise<Outputs>
  /**
   * A peer in another process times itself (the same rule: one warm-up, then up to `runs` calls
   * within the budget, the median); `run` then computes the outputs once, for the check.
   */
  timed?: (o: { runs: number; budgetMs: number; limitMs: number }) => Promise<Timing>
}

/** One size of a workload. */
export interface Case {
  /** The values of the workload's size columns, in order (e.g. { N: 1024, D: 2 }). */
  size: Record<string, number>
  /** Useful floating-point operations of one call (how they are counted: Workload.flopsRule). */
  flops: number
  /** How a check case differs from the timed ones beyond its size (shown in the check table). */
  variant?: string
}

export interface Workload {
  name: string
  title: string
  /** One paragraph: what is computed, how each peer writes it. */
  what: string
  flopsRule: string
  cases: (quick: boolean) => Case[]
  /** The (small) sizes every implementation is checked at against drift's float64 reference. */
  checkCases: Case[]
  /** Largest accepted max|got − ref| / max|ref| per output. */
  tolerance: number
  /** Names of the outputs compared (for the report). */
  outputs: string
  /** Builds the inputs of a case and returns its implementations (drift backends first) and the reference. */
  setup: (c: Case, ctx: Context) => Promise<{ impls: Impl[]; reference: () => Promise<Outputs> }>
}

export interface Context {
  quick: boolean
  /** Concrete drift backends (auto resolved). */
  backends: string[]
}

export interface Timing {
  status: 'ok' | 'failed' | 'skipped' | 'timeout'
  medianMs?: number
  minMs?: number
  /** The warm-up call (drift: includes compiling for these shapes, or reading the compile cache). */
  firstMs?: number
  runs?: number
  reason?: string
}

export interface CheckResult {
  status: 'ok' | 'mismatch' | 'failed'
  /** Worst max|got − ref| / max|ref| over the outputs. */
  relErr?: number
  reason?: string
}

export interface CaseResult extends Case {
  floorMs: number
  results: Record<string, Timing>
}

export interface WorkloadResult {
  name: string
  title: string
  what: string
  flopsRule: string
  sizeColumns: string[]
  impls: string[]
  driftImpls: string[]
  cases: CaseResult[]
  checks: { size: Record<string, number>; variant?: string; results: Record<string, CheckResult> }[]
  tolerance: number
  outputs: string
  runs: number
}

/** Milliseconds the floor needs for `flops` at PEAK_GFLOPS. */
export const floorMs = (flops: number) => flops / (PEAK_GFLOPS * 1e6)

export const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 160)

/** Rejects after `ms` (the call it races keeps running: used only to stop waiting for a hung asynchronous call). */
function deadline(ms: number): { promise: Promise<never>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`timeout (> ${(ms / 1000).toFixed(0)} s)`)), ms)
  })
  return { promise, clear: () => clearTimeout(timer) }
}
class TimeoutError extends Error {}

async function within<T>(p: Promise<T>, ms: number): Promise<T> {
  if (!(ms < 2 ** 31 - 1)) return p // no limit (setTimeout would fire at once)
  const d = deadline(ms)
  try {
    return await Promise.race([p, d.promise])
  } finally {
    d.clear()
  }
}

/**
 * One warm-up call, then up to `runs` timed calls, stopping early once `budgetMs` of timed calls
 * are spent (at least one timed call); the median of those. A call that has not finished after
 * `limitMs` is reported as a timeout.
 */
export async function measure(
  run: () => Promise<unknown>,
  o: { runs: number; budgetMs: number; limitMs: number },
): Promise<Timing> {
  let firstMs: number
  try {
    const t0 = performance.now()
    await within(run(), o.limitMs)
    firstMs = performance.now() - t0
  } catch (e) {
    return { status: e instanceof TimeoutError ? 'timeout' : 'failed', reason: message(e) }
  }
  const times: number[] = []
  let spent = 0
  try {
    while (times.length < o.runs && (times.length === 0 || spent + times[times.length - 1] <= o.budgetMs)) {
      const t0 = performance.now()
      await within(run(), o.limitMs)
      const t = performance.now() - t0
      times.push(t)
      spent += t
    }
  } catch (e) {
    return { status: e instanceof TimeoutError ? 'timeout' : 'failed', reason: message(e), firstMs }
  }
  times.sort((a, b) => a - b)
  const mid = times.length >> 1
  const medianMs = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2
  return { status: 'ok', medianMs, minMs: times[0], firstMs, runs: times.length }
}

/** max|got − ref| / max|ref| for each output; the worst. */
export function relErr(got: Outputs, ref: Outputs): number {
  if (got.length !== ref.length) throw new Error(`${got.length} outputs, the reference has ${ref.length}`)
  let worst = 0
  got.forEach((g, k) => {
    const r = ref[k]
    if (g.length !== r.length) throw new Error(`output ${k} has ${g.length} elements, the reference ${r.length}`)
    let maxRef = 0
    let maxDiff = 0
    for (let i = 0; i < r.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(r[i]))
      const d = Math.abs(g[i] - r[i])
      maxDiff = Number.isNaN(d) ? Infinity : Math.max(maxDiff, d)
    }
    worst = Math.max(worst, maxRef > 0 ? maxDiff / maxRef : maxDiff)
  })
  return worst
}

/** The drift backends named by `--backends` (comma-separated; `all` = every compiled backend; `auto` resolves to what backend.ts picks here). */
export function resolveBackends(spec: string | undefined): { backends: string[]; auto?: string } {
  const names = (spec ?? 'auto')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const out: string[] = []
  let auto: string | undefined
  for (const n of names) {
    if (n === 'all') {
      out.push(...BACKENDS.filter((b) => b !== 'auto' && b !== 'interpreter'))
      continue
    }
    if (!(BACKENDS as readonly string[]).includes(n))
      throw new Error(`unknown backend '${n}': choose from ${BACKENDS.join(', ')}, or all`)
    if (n === 'auto') {
      setBackend('auto')
      out.push((auto = currentBackend()))
    } else out.push(n)
  }
  return { backends: [...new Set(out)], auto }
}

/** The data of every tensor in a result (nested arrays and objects of drift Tensors, in order). */
export function leaves(tree: unknown): Outputs {
  if (tree instanceof Tensor) return [tree.data]
  if (Array.isArray(tree)) return tree.flatMap(leaves)
  if (tree && typeof tree === 'object') return Object.values(tree).flatMap(leaves)
  throw new Error(`not a tensor result: ${String(tree)}`)
}

/** One implementation per drift backend: selects the backend, then makes the call. */
export const driftImpls = (backends: string[], call: () => Promise<Outputs>): Impl[] =>
  backends.map((b) => ({
    name: `drift ${b}`,
    group: 'drift' as const,
    run: async () => {
      setBackend(b)
      return call()
    },
  }))

/**
 * A host Tensor of deterministic standard-normal values (mulberry32 seeded by `seed`, Box–Muller)
 * times `scale`. Random rather than structured inputs: sin-wave rows of different phases can
 * nearly coincide, which makes the ‖x‖² + ‖y‖² − 2xyᵀ distances of the peers lose most digits.
 */
export function gauss<S extends number[]>(shape: [...S], seed: number, scale = 1): Tensor<S> {
  let a = (seed * 0x9e3779b1) >>> 0
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296
  }
  const n = shape.reduce((p, q) => p * q, 1)
  const data = new Float32Array(n)
  for (let i = 0; i < n; i += 2) {
    const [r, th] = [Math.sqrt(-2 * Math.log(uniform())), 2 * Math.PI * uniform()]
    data[i] = scale * r * Math.cos(th)
    if (i + 1 < n) data[i + 1] = scale * r * Math.sin(th)
  }
  return new Tensor<S>(data, shape, 'f32')
}

export function machine(): Record<string, string | number> {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  }
}
