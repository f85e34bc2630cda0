/**
 * The side-by-side benchmark: each workload runs on drift (each requested backend), TensorFlow.js
 * (wasm), jax-js (wasm) and a plain-JS loop side by side in one process (the image and transformer
 * workloads also on PyTorch's CPU build where python3 imports torch, in a child process that times
 * itself), against the floor (FLOPs / 87 GFLOP/s); then the scaling study, a child process per
 * (implementation, N).
 *
 *   npm run bench -- [--quick] [--only field,loss,matmul,train,chain,conv,convgrad,resnet,attention,scaling] [--backends auto|all|a,b]
 *                    [--runs k] [--limit s] [--json path] [--no-check] [--in-process]
 *                    [--scaling-max N] [--scaling-timeout s]
 *
 * Each workload's timings run in one worker process and its correctness checks in another
 * (`--in-process`: everything in this process): a peer that runs out of memory at a large size
 * (tfjs-wasm throws "memory access out of bounds" for paperField at N = 8192; its wasm heap is not
 * to be trusted after that) or a crash then costs only that workload's remaining cells. Prints one markdown table per workload and writes
 * everything to bench/results/latest.json (or --json); `npm run bench:render -- --write` puts the
 * tables into BENCHMARKS.md.
 */
import { execSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  floorMs,
  machine,
  message,
  measure,
  PEAK_GFLOPS,
  relErr,
  resolveBackends,
  type CheckResult,
  type Context,
  type Timing,
  type Workload,
  type WorkloadResult,
} from './harness.js'
import { renderScaling, renderWorkload, type BenchResults } from './render.js'
import { runScaling } from './scaling.js'
import { field } from './workloads/field.js'
import { loss } from './workloads/loss.js'
import { matmul } from './workloads/matmul.js'
import { train } from './workloads/train.js'
import { chain } from './workloads/chain.js'
import { conv, convgrad } from './workloads/conv.js'
import { resnet } from './workloads/resnet.js'
import { attention } from './workloads/attention.js'
import { torchPython } from './torch.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const WORKLOADS: Workload[] = [field, loss, matmul, train, chain, conv, convgrad, resnet, attention]
const ALL = [...WORKLOADS.map((w) => w.name), 'scaling']

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    backends: { type: 'string', default: 'auto' },
    runs: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'string' },
    'no-check': { type: 'boolean', default: false },
    'in-process': { type: 'boolean', default: false },
    'scaling-max': { type: 'string' },
    'scaling-timeout': { type: 'string' },
    // internal: run one phase of one workload and write its (partial) result to a file
    worker: { type: 'string' },
    phase: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (values.help) {
  console.log(
    fs
      .readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .match(/\/\*\*([\s\S]*?)\*\//)![1]
      .replace(/^ \* ?/gm, ''),
  )
  process.exit(0)
}

const quick = values.quick!
const only = values.only ? values.only.split(',').map((s) => s.trim()) : ALL
for (const o of only) if (!ALL.includes(o)) throw new Error(`--only ${o}: the workloads are ${ALL.join(', ')}`)
const runs = Number(values.runs ?? (quick ? 3 : 5))
/** A call still running after this long is reported as a timeout (and the implementation skips larger sizes). */
const limitS = Number(values.limit ?? (quick ? 30 : 300))
/** Timed calls of one cell stop once they have taken this long (at least one). */
const budgetMs = quick ? 3_000 : 30_000
const jsonPath = path.resolve(values.json ?? path.join(ROOT, 'bench/results/latest.json'))
const log = (s: string) => process.stderr.write(`${s}\n`)
const labelOf = (size: Record<string, number>) =>
  Object.entries(size)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')

function emptyResult(w: Workload): WorkloadResult {
  return {
    name: w.name,
    title: w.title,
    what: w.what,
    flopsRule: w.flopsRule,
    sizeColumns: Object.keys(w.cases(quick)[0].size),
    impls: [],
    driftImpls: [],
    cases: [],
    checks: [],
    tolerance: w.tolerance,
    outputs: w.outputs,
    runs,
  }
}

/** What a worker writes: the result so far and the cell it is in (to blame it if the process dies). */
interface Partial {
  result: WorkloadResult
  running?: { kind: 'time' | 'check'; index: number; impl: string }
}

async function timePhase(w: Workload, ctx: Context, progress: (p: Partial) => void): Promise<WorkloadResult> {
  const result = emptyResult(w)
  const last = new Map<string, { flops: number; ms: number }>()
  const stopped = new Map<string, string>()
  for (const [index, c] of w.cases(quick).entries()) {
    const results: Record<string, Timing> = {}
    result.cases.push({ ...c, floorMs: floorMs(c.flops), results })
    let impls
    try {
      impls = (await w.setup(c, ctx)).impls
    } catch (e) {
      log(`${w.name} ${labelOf(c.size)}: setup failed: ${message(e)}`)
      continue
    }
    for (const impl of impls) {
      if (!result.impls.includes(impl.name)) result.impls.push(impl.name)
      if (impl.group === 'drift' && !result.driftImpls.includes(impl.name)) result.driftImpls.push(impl.name)
      progress({ result, running: { kind: 'time', index, impl: impl.name } })
      const prev = last.get(impl.name)
      const predicted = prev ? (prev.ms * c.flops) / prev.flops : 0
      if (stopped.has(impl.name)) results[impl.name] = { status: 'skipped', reason: stopped.get(impl.name) }
      else if (predicted > limitS * 1000)
        results[impl.name] = {
          status: 'skipped',
          reason: `predicted ${(predicted / 1000).toFixed(0)} s per call > limit ${limitS} s`,
        }
      else
        results[impl.name] = await (impl.timed ?? ((o) => measure(impl.run, o)))({
          runs,
          budgetMs,
          limitMs: limitS * 1000,
        })
      const t = results[impl.name]
      if (t.status === 'ok') last.set(impl.name, { flops: c.flops, ms: t.medianMs! })
      if (t.status === 'timeout') stopped.set(impl.name, 'timed out at a smaller size')
      log(
        `${w.name} ${labelOf(c.size)} ${impl.name}: ${t.status === 'ok' ? `${t.medianMs!.toFixed(2)} ms (${t.runs} runs, first ${t.firstMs!.toFixed(0)} ms)` : `${t.status}: ${t.reason}`}`,
      )
    }
  }
  progress({ result })
  return result
}

async function checkPhase(w: Workload, ctx: Context, progress: (p: Partial) => void): Promise<WorkloadResult> {
  const result = emptyResult(w)
  for (const [index, c] of w.checkCases.entries()) {
    const checks: Record<string, CheckResult> = {}
    result.checks.push({ size: c.size, ...(c.variant ? { variant: c.variant } : {}), results: checks })
    try {
      const { impls, reference } = await w.setup(c, ctx)
      const ref = await reference()
      for (const impl of impls) {
        if (!result.impls.includes(impl.name)) result.impls.push(impl.name)
        if (impl.group === 'drift' && !result.driftImpls.includes(impl.name)) result.driftImpls.push(impl.name)
        progress({ result, running: { kind: 'check', index, impl: impl.name } })
        try {
          const err = relErr(await impl.run(), ref)
          checks[impl.name] = { status: err <= w.tolerance ? 'ok' : 'mismatch', relErr: err }
        } catch (e) {
          checks[impl.name] = { status: 'failed', reason: message(e) }
        }
      }
    } catch (e) {
      log(`${w.name} check: ${message(e)}`)
    }
    log(
      `${w.name} check ${labelOf(c.size)}: ${Object.entries(checks)
        .map(
          ([k, v]) => `${k} ${v.status}${v.relErr !== undefined ? ` ${v.relErr.toExponential(1)}` : ` (${v.reason})`}`,
        )
        .join(', ')}`,
    )
  }
  progress({ result })
  return result
}

// ---- worker: one phase of one workload ----
if (values.worker) {
  const w = WORKLOADS.find((x) => x.name === values.worker)!
  const ctx: Context = { quick, backends: resolveBackends(values.backends).backends }
  const write = (p: Partial) => fs.writeFileSync(values.out!, JSON.stringify(p))
  await (values.phase === 'check' ? checkPhase : timePhase)(w, ctx, write)
  process.exit(0)
}

/** Runs a phase in a child process; if it dies, the cell it was in is marked failed. */
function inWorker(w: Workload, phase: 'time' | 'check', backends: string[]): Promise<WorkloadResult> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'drift-bench-')), `${w.name}-${phase}.json`)
  const args = [
    path.join(ROOT, 'bin/drift.mjs'),
    'run',
    fileURLToPath(import.meta.url),
    '--worker',
    w.name,
    '--phase',
    phase,
    '--out',
    out,
    '--backends',
    backends.join(','),
    '--runs',
    String(runs),
    '--limit',
    String(limitS),
  ]
  if (quick) args.push('--quick')
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
    p.on('close', (code, signal) => {
      let partial: Partial = { result: emptyResult(w) }
      try {
        partial = JSON.parse(fs.readFileSync(out, 'utf8')) as Partial
      } catch {
        // nothing written
      }
      fs.rmSync(path.dirname(out), { recursive: true, force: true })
      const r = partial.result
      if ((code !== 0 || signal) && partial.running) {
        const why = `the process died (${signal ?? `exit ${code}`}${signal === 'SIGKILL' ? ', out of memory?' : ''})`
        const { kind, index, impl } = partial.running
        if (kind === 'time') r.cases[index].results[impl] = { status: 'failed', reason: why }
        else r.checks[index].results[impl] = { status: 'failed', reason: why }
        log(`${w.name} ${phase}: ${why} in ${impl}; the cells after it were not run`)
      } else if (code !== 0 || signal) log(`${w.name} ${phase}: worker ended with ${signal ?? `exit ${code}`}`)
      resolve(r)
    })
  })
}

async function runWorkload(w: Workload, ctx: Context): Promise<WorkloadResult> {
  const noCheck = values['no-check']
  if (values['in-process']) {
    const timed = await timePhase(w, ctx, () => {})
    return noCheck ? timed : { ...timed, checks: (await checkPhase(w, ctx, () => {})).checks }
  }
  const timed = await inWorker(w, 'time', ctx.backends)
  if (noCheck) return timed
  const checked = await inWorker(w, 'check', ctx.backends)
  const impls = [...timed.impls, ...checked.impls.filter((i) => !timed.impls.includes(i))]
  const driftImpls = [...new Set([...timed.driftImpls, ...checked.driftImpls])]
  return {
    ...timed,
    impls: [...impls.filter((i) => driftImpls.includes(i)), ...impls.filter((i) => !driftImpls.includes(i))],
    driftImpls,
    checks: checked.checks,
  }
}

// ---- the run ----
const { backends, auto } = resolveBackends(values.backends)
const ctx: Context = { quick, backends }
const started = performance.now()
log(
  `bench: ${quick ? 'quick' : 'full'} mode; drift backends ${backends.join(', ')}${auto ? ` (auto → ${auto})` : ''}; workloads ${only.join(', ')}`,
)

const torchVersion = () => {
  const py = torchPython()
  return py instanceof Error ? 'not importable' : `${py.version} (${py.exe})`
}
const torchNote = () => {
  const py = torchPython()
  return py instanceof Error
    ? `PyTorch: ${py.message}.`
    : `PyTorch ${py.version} runs on ${py.threads} thread(s) (torch.get_num_threads(), its default here), in a child process that times its own calls by the same rule.`
}

const versionOf = (pkg: string) => {
  try {
    return (
      JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }
    ).version
  } catch {
    return '?'
  }
}
let commit: string | undefined
try {
  commit = execSync('git rev-parse --short HEAD', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim()
  if (
    execSync('git status --porcelain', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
  )
    commit += ' (uncommitted changes)'
} catch {
  commit = undefined
}

const results: BenchResults = {
  meta: {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    command: `npm run bench --${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    quick,
    backends,
    ...(auto ? { auto } : {}),
    peakGflops: PEAK_GFLOPS,
    machine: machine(),
    versions: {
      '@tensorflow/tfjs': versionOf('@tensorflow/tfjs'),
      '@tensorflow/tfjs-backend-wasm': versionOf('@tensorflow/tfjs-backend-wasm'),
      '@jax-js/jax': versionOf('@jax-js/jax'),
      torch: torchVersion(),
    },
    commit,
    runs,
    notes: [
      'Threads: tfjs-wasm runs on one thread in Node (SIMD on, threads off: `setThreadsCount` has no effect there); jax-js wasm also runs on one thread in Node 20 (its worker pool needs a global `Worker`, which Node lacks); the plain-JS loops are single-threaded; drift uses what its backend uses (wasm: worker threads).',
      'jax-js runs on its `wasm` device (Node has no `navigator.gpu`, so `init("wasm")`); functions are wrapped in `jit`, and the first (warm-up) call traces and compiles them.',
      torchNote(),
    ],
  },
  workloads: [],
}
// --only on a results file of the same mode: keep its other workloads
if (values.only && fs.existsSync(jsonPath)) {
  try {
    const old = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as BenchResults
    if (old.meta.quick === quick) {
      results.workloads = old.workloads.filter((w) => !only.includes(w.name))
      if (!only.includes('scaling') && old.scaling) results.scaling = old.scaling
      // which run each kept workload comes from: the old file's own run, or one it kept from
      const kept = [...results.workloads.map((w) => w.name), ...(results.scaling ? ['scaling'] : [])]
      const inherited = (old.meta.earlier ?? []).map((e) => ({
        ...e,
        workloads: e.workloads.filter((w) => kept.includes(w)),
      }))
      const own = kept.filter((w) => !inherited.some((e) => e.workloads.includes(w)))
      const earlier = [
        { workloads: own, command: old.meta.command, commit: old.meta.commit, date: old.meta.date },
        ...inherited,
      ].filter((e) => e.workloads.length)
      if (earlier.length) results.meta.earlier = earlier
    }
  } catch {
    // unreadable: start afresh
  }
}
const save = () => {
  fs.mkdirSync(path.dirname(jsonPath), { recursive: true })
  results.workloads.sort((a, b) => ALL.indexOf(a.name) - ALL.indexOf(b.name))
  fs.writeFileSync(jsonPath, JSON.stringify(results, null, 1))
}

for (const w of WORKLOADS.filter((w) => only.includes(w.name))) {
  const r = await runWorkload(w, ctx)
  results.workloads = results.workloads.filter((x) => x.name !== r.name).concat(r)
  save()
  console.log(`\n${renderWorkload(r, runs)}\n`)
}
if (only.includes('scaling')) {
  const max = Number(values['scaling-max'] ?? (quick ? 2048 : 65536))
  const sizes: number[] = []
  for (let n = 1024; n <= max; n *= 2) sizes.push(n)
  results.scaling = await runScaling({
    backends,
    sizes,
    runs: quick ? 1 : 3,
    timeoutS: Number(values['scaling-timeout'] ?? (quick ? 30 : 120)),
    plotFile: path.join(path.dirname(jsonPath), 'scaling.png'),
    log,
  })
  save()
  console.log(`\n${renderScaling(results.scaling)}\n`)
}
log(
  `bench: done in ${((performance.now() - started) / 1000).toFixed(0)} s; results in ${path.relative(process.cwd(), jsonPath)} (npm run bench:render -- --write fills BENCHMARKS.md)`,
)
process.exit(0)
