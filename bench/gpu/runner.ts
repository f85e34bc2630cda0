/**
 * The drift side of the GPU benchmark, bundled into the pack as runner.mjs (bench/gpu/pack.ts) and
 * started by bench.py with the pack's Node:
 *
 *   node runner.mjs probe                      the WebGPU adapter this machine gives drift (JSON), exit 3 if none
 *   node runner.mjs run --out DIR [--only id,…] [--runs k] [--budget-ms b]
 *
 * `run` draws each workload's inputs (workloads.json, written by the pack), writes them to
 * DIR/<id>/in<i>.f32 for PyTorch, loads the ahead-of-time artifacts on drift's webgpu backend, calls
 * the entry point once (compiling its kernels, uploading its inputs) and then up to k times within
 * b ms, writes the last call's outputs to DIR/<id>/out<i>.f32 and prints one JSON line per workload.
 * Each timed call is a complete one, host arrays in and host arrays out; inputs unchanged since the
 * previous call are not uploaded again (the backend compares their bytes), as in a loop over one batch.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { load } from '../../compiler/aot/runtime.js'
import { acquireDevice } from '../../compiler/backend/webgpu/adapter.js'
import type { InputRule } from './workloads.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))

interface Entry {
  id: string
  fn: string
  artifacts: string
  inputs: InputRule[]
  /** Why the pack left drift's plan out (pack.ts). */
  refused?: string
}
interface Host {
  shape: number[]
  dtype: 'f32' | 'i32'
  data: Float32Array | Int32Array
}

/** Uniform draws in (0, 1) from a seed (mulberry32), the same stream on every machine. */
function uniforms(seed: number): () => number {
  let a = Math.imul(seed, 0x9e3779b1) >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296
  }
}

/** Standard normal draws from a seed (Box–Muller on uniforms(seed)). */
function normal(n: number, seed: number, scale: number): Float32Array {
  const uniform = uniforms(seed)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i += 2) {
    const [r, th] = [Math.sqrt(-2 * Math.log(uniform())), 2 * Math.PI * uniform()]
    out[i] = scale * r * Math.cos(th)
    if (i + 1 < n) out[i + 1] = scale * r * Math.sin(th)
  }
  return out
}

/** Integers uniform in [0, below) from a seed (the bias of flooring a 32-bit uniform is below 2⁻²⁰ for below ≤ 4096). */
function integers(n: number, seed: number, below: number): Int32Array {
  const uniform = uniforms(seed)
  return Int32Array.from({ length: n }, () => Math.floor(uniform() * below))
}

function draw(rule: InputRule): Host | number {
  if ('scalar' in rule) return rule.scalar
  const n = rule.shape.reduce((a, b) => a * b, 1)
  if ('below' in rule) return { shape: rule.shape, dtype: 'i32', data: integers(n, rule.seed, rule.below) }
  const data = 'fill' in rule ? new Float32Array(n).fill(rule.fill) : normal(n, rule.seed, rule.scale)
  return { shape: rule.shape, dtype: 'f32', data }
}

/** The file of input i: raw little-endian float32, or int32 for an integer input. */
const inputFile = (i: number, rule: InputRule): string => `in${i}.${'below' in rule ? 'i32' : 'f32'}`

/** The output tree's leaves in order (arrays and objects as the manifest's output structure builds them). */
function leaves(v: unknown, out: Host[] = []): Host[] {
  if (v && typeof v === 'object' && 'data' in v) out.push(v as Host)
  else if (Array.isArray(v)) v.forEach((x) => leaves(x, out))
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => leaves(x, out))
  return out
}

const write = (file: string, a: Float32Array | Int32Array) =>
  fs.writeFileSync(file, new Uint8Array(a.buffer, a.byteOffset, a.byteLength))

async function probe(): Promise<void> {
  try {
    const { info, device } = await acquireDevice()
    console.log(JSON.stringify({ api: info.api, description: info.description, software: info.software }))
    device.destroy()
    process.exit(0)
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e))
    process.exit(3)
  }
}

async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      only: { type: 'string' },
      runs: { type: 'string', default: '10' },
      'budget-ms': { type: 'string', default: '3000' },
    },
  })
  if (!values.out) throw new Error('runner run: --out DIR is required')
  const runs = Number(values.runs)
  const budget = Number(values['budget-ms'])
  const only = values.only ? new Set(values.only.split(',')) : undefined
  const entries = (JSON.parse(fs.readFileSync(path.join(HERE, 'workloads.json'), 'utf8')) as Entry[]).filter(
    (e) => !only || only.has(e.id),
  )
  for (const e of entries) {
    const dir = path.join(values.out, e.id)
    fs.mkdirSync(dir, { recursive: true })
    const inputs = e.inputs.map(draw)
    inputs.forEach((x, i) =>
      write(path.join(dir, inputFile(i, e.inputs[i])), typeof x === 'number' ? Float32Array.of(x) : x.data),
    )
    const line: Record<string, unknown> = { id: e.id }
    if (e.refused) {
      console.log(JSON.stringify({ ...line, error: e.refused }))
      continue
    }
    try {
      const f = load(path.join(HERE, e.artifacts), 'webgpu')[e.fn]
      let t0 = performance.now()
      let out = await f(...inputs)
      line.firstMs = performance.now() - t0
      const times: number[] = []
      while (times.length < runs && (times.length === 0 || times.reduce((a, b) => a + b, 0) < budget)) {
        t0 = performance.now()
        out = await f(...inputs)
        times.push(performance.now() - t0)
      }
      times.sort((a, b) => a - b)
      line.medianMs = times[times.length >> 1]
      line.minMs = times[0]
      line.runs = times.length
      line.outputs = leaves(out).map((o, i) => {
        write(path.join(dir, `out${i}.f32`), Float32Array.from(o.data))
        return { file: `out${i}.f32`, shape: o.shape }
      })
    } catch (err) {
      line.error = (err instanceof Error ? err.message : String(err)).split('\n')[0]
    }
    console.log(JSON.stringify(line))
  }
  process.exit(0)
}

const [command, ...rest] = process.argv.slice(2)
if (command === 'probe') await probe()
else if (command === 'run') await run(rest)
else {
  console.error('usage: node runner.mjs probe | run --out DIR [--only id,…] [--runs k] [--budget-ms b]')
  process.exit(2)
}
