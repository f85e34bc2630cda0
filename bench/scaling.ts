/**
 * Scaling of paperField (D = 2, N = P = M = 1024, 2048, …): time and peak memory per implementation,
 * each (implementation, N) in a child process (bench/scaling-child.ts) so that its memory
 * high-water mark is its own and an out-of-memory crash or a hang ends only that child. An
 * implementation stops at its first failure or timeout. Also inspects drift's fusion plan at every
 * N: the largest buffer, whether any buffer is N×N or larger, and whether one exceeds the backend's
 * storage budget (then memory would grow with N² without bound).
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { lowerGraph } from '../compiler/fusion/lower.js'
import { planOf } from '../compiler/runtime/jit.js'
import { backendNamed, type BackendName } from '../compiler/backend/index.js'
import { paperFieldFor } from './field-common.js'
import { message, type Timing } from './harness.js'
import { JAXJS, PLAIN, TFJS } from './peers.js'
import { plotLogLog } from './plot.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export interface ScalingPoint extends Timing {
  peakMB?: number
  deltaMB?: number
  baselineMB?: number
  sumAbs?: number
  /** ✗ when the output's Σ|V| differs from the other implementations' by more than 1e-3 relative. */
  check?: string
}

export interface PlanInfo {
  largest: { name: string; shape: number[]; bytes: number }
  /** A buffer of N×N elements or more (stored while it fits the backend's budget, where it has one). */
  nByN: boolean
  /** Intermediates beyond the backend's storage budget (fusion's memoryBudget; without one, any N×N buffer): memory would grow with N² without bound. */
  overBudget: boolean
  /** The backend's storage budget in elements, where it has one. */
  budget?: number
  buffers: number
}

export interface ScalingResult {
  runs: number
  timeoutS: number
  impls: string[]
  /** plan: of the first drift backend; plans: of each. */
  rows: { n: number; results: Record<string, ScalingPoint>; plan?: PlanInfo; plans?: Record<string, PlanInfo> }[]
  planVerdict: string
  plot?: string
}

/** The plan drift runs paperField at [n, 2] with on `backend` (compiler/runtime/jit.ts planOf; the interpreter has none): its largest buffer. */
export function planInfo(n: number, backend: string): PlanInfo {
  const spec = paperFieldFor(n, 2)
  const b = backendNamed(backend as BackendName)
  const limits = b.limits?.() ?? {}
  const plan = planOf(spec, b) ?? lowerGraph(spec.graph).plan
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1)
  const bytes = (b: (typeof plan.buffers)[number]) => size(b.shape) * (b.dtype === 'f32' || b.dtype === 'i32' ? 4 : 1)
  const largest = [...plan.buffers].sort((a, b) => bytes(b) - bytes(a))[0]
  const budget = limits.memoryBudget ?? n * n - 1
  return {
    largest: { name: largest.name, shape: largest.shape, bytes: bytes(largest) },
    nByN: plan.buffers.some((b) => size(b.shape) >= n * n),
    overBudget:
      plan.buffers.filter((b) => b.role === 'intermediate').reduce((acc, b) => acc + size(b.shape), 0) > budget,
    budget: limits.memoryBudget,
    buffers: plan.buffers.length,
  }
}

function child(which: string, n: number, runs: number, timeoutS: number): Promise<ScalingPoint> {
  return new Promise((resolve) => {
    const p = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin/drift.mjs'),
        'run',
        path.join(ROOT, 'bench/scaling-child.ts'),
        which,
        String(n),
        String(runs),
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    let err = ''
    p.stdout.on('data', (d) => (out += d))
    p.stderr.on('data', (d) => (err += d))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      p.kill('SIGKILL')
    }, timeoutS * 1000)
    p.on('close', (code, signal) => {
      clearTimeout(timer)
      const line = out.split('\n').find((l) => l.startsWith('SCALING_RESULT '))
      if (line) return resolve(JSON.parse(line.slice('SCALING_RESULT '.length)) as ScalingPoint)
      if (timedOut) return resolve({ status: 'timeout', reason: `timeout (> ${timeoutS} s)` })
      const lastErr = err
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('Warning:') && !l.startsWith('drift: backend'))
        .find((l) => /Error|error|memory/.test(l))
      resolve({
        status: 'failed',
        reason: signal
          ? `killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory?)' : ''}`
          : `exit ${code}: ${lastErr ?? 'no result'}`.slice(0, 160),
      })
    })
  })
}

export async function runScaling(o: {
  backends: string[]
  sizes: number[]
  runs: number
  timeoutS: number
  plotFile: string
  log: (s: string) => void
}): Promise<ScalingResult> {
  const impls = [...o.backends.map((b) => `drift ${b}`), TFJS, JAXJS, PLAIN]
  const which = (i: string) => (i.startsWith('drift ') ? `drift:${i.slice(6)}` : i)
  const stopped = new Map<string, string>()
  const rows: ScalingResult['rows'] = []
  for (const n of o.sizes) {
    const row: ScalingResult['rows'][number] = { n, results: {} }
    for (const b of o.backends) {
      try {
        ;(row.plans ??= {})[b] = planInfo(n, b)
      } catch (e) {
        o.log(`scaling: the ${b} plan at N = ${n}: ${message(e)}`)
      }
    }
    row.plan = row.plans?.[o.backends[0]]
    for (const i of impls) {
      const stop = stopped.get(i)
      if (stop) {
        row.results[i] = { status: 'skipped', reason: stop }
        continue
      }
      const r = await child(which(i), n, o.runs, o.timeoutS)
      row.results[i] = r
      o.log(
        `scaling N = ${n} ${i}: ${r.status === 'ok' ? `${r.medianMs?.toFixed(1)} ms, peak ${r.peakMB?.toFixed(0)} MB (Δ ${r.deltaMB?.toFixed(0)} MB)` : `${r.status}: ${r.reason}`}`,
      )
      if (r.status !== 'ok') stopped.set(i, `${r.status === 'timeout' ? 'timed out' : 'failed'} at N = ${n}`)
    }
    // the implementations should agree on Σ|V|
    const sums = impls.map((i) => row.results[i]?.sumAbs).filter((s): s is number => s !== undefined)
    const mid = [...sums].sort((a, b) => a - b)[sums.length >> 1]
    for (const i of impls) {
      const s = row.results[i]?.sumAbs
      if (s !== undefined && sums.length > 1 && Math.abs(s - mid) > 1e-3 * Math.abs(mid))
        row.results[i].check = '✗ (Σ|V| differs)'
    }
    rows.push(row)
  }
  const plans = rows.filter((r) => r.plan)
  const over = rows.flatMap((r) =>
    Object.entries(r.plans ?? {}).flatMap(([b, p]) => (p.overBudget ? [`${b} at N = ${r.n}`] : [])),
  )
  const stored = rows.flatMap((r) =>
    Object.entries(r.plans ?? {}).flatMap(([b, p]) => (p.nByN && !p.overBudget ? [`${b} at N = ${r.n}`] : [])),
  )
  const budgets = [
    ...new Set(
      rows.flatMap((r) =>
        Object.entries(r.plans ?? {}).flatMap(([b, p]) =>
          p.budget ? [`${b}: ${p.budget.toExponential(2)} elements, ${((4 * p.budget) / 2 ** 30).toFixed(2)} GiB`] : [],
        ),
      ),
    ),
  ]
  const largest = `the largest buffer (inputs and output included) is ${plans.map((r) => `[${r.plan!.largest.shape.join('×')}]`).join(', ')} at N = ${plans.map((r) => r.n).join(', ')}`
  const planVerdict = over.length
    ? `⚠ drift's plan allocates an N×N (or larger) buffer beyond the backend's storage budget: ${over.join(', ')}.`
    : stored.length
      ? `drift's plans store N×N (or larger) intermediates only while they fit the backend's storage budget (${budgets.join('; ')}, the buffers live at once): ${stored.join(', ')}; beyond it they recompute, so memory stays bounded as N grows: ${largest}.`
      : `drift's kernel plans (${o.backends.join(', ')}) allocate no N×N buffer at any N here: ${largest}.`
  const series = (pick: (p: ScalingPoint) => number | undefined) =>
    impls.map((i) => ({
      name: i,
      points: rows.flatMap((r) =>
        r.results[i]?.status === 'ok' && pick(r.results[i]) ? [[r.n, pick(r.results[i])!] as [number, number]] : [],
      ),
    }))
  let plot: string | undefined
  try {
    plotLogLog(o.plotFile, [
      {
        title: 'paperfield d=2: time per call',
        xLabel: 'n = p = m',
        yLabel: 'median time (ms)',
        series: series((p) => p.medianMs),
      },
      {
        title: 'peak memory above baseline',
        xLabel: 'n = p = m',
        yLabel: 'delta max rss (mb)',
        series: series((p) => (p.deltaMB !== undefined ? Math.max(p.deltaMB, 1) : undefined)),
      },
    ])
    plot = path.relative(ROOT, o.plotFile)
  } catch (e) {
    o.log(`scaling: plot failed: ${message(e)}`)
  }
  return { runs: o.runs, timeoutS: o.timeoutS, impls, rows, planVerdict, plot }
}
