/**
 * PyTorch's CPU build as a peer: bench/torch-peer.py in a child process, handed the same inputs
 * (raw float32 files) and asked either to time the workload itself (the harness's rule) or to
 * compute its outputs once for the check. The interpreter is `python3` or, where that one cannot
 * import torch, Debian's /usr/bin/python3 (where `apt-get install python3-torch` puts it);
 * DRIFT_BENCH_PYTHON names another. When none can import torch, the peer reports why in every cell.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Impl, Outputs, Timing } from './harness.js'

export const TORCH = 'PyTorch CPU'
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch-peer.py')

interface Python {
  exe: string
  version: string
  threads: number
}
let found: Python | Error | undefined

/** The first interpreter that imports torch (asked once per process), or why none does. */
export function torchPython(): Python | Error {
  if (found) return found
  const candidates = process.env.DRIFT_BENCH_PYTHON ? [process.env.DRIFT_BENCH_PYTHON] : ['python3', '/usr/bin/python3']
  const why: string[] = []
  for (const exe of candidates) {
    const r = spawnSync(exe, ['-c', 'import torch; print(torch.__version__, torch.get_num_threads())'], {
      encoding: 'utf8',
    })
    if (r.status === 0) {
      const [version, threads] = r.stdout.trim().split(' ')
      return (found = { exe, version, threads: Number(threads) })
    }
    const last = (r.error?.message ?? r.stderr ?? '').trim().split('\n').pop()
    why.push(`${exe}: ${last || `exit ${r.status}`}`)
  }
  return (found = new Error(`torch is not importable (${why.join('; ')}); apt-get install python3-torch`))
}

/** One call of the script: the inputs written to a temporary folder, the JSON it prints parsed. */
function call(
  py: Python,
  spec: Record<string, unknown>,
  inputs: { shape: number[]; data: Float32Array }[],
  limitMs: number,
): Record<string, unknown> & { dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-torch-'))
  const files = inputs.map((a, i) => {
    const file = path.join(dir, `in${i}.f32`)
    fs.writeFileSync(file, new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength))
    return { file, shape: a.shape }
  })
  fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify({ ...spec, inputs: files, outDir: dir }))
  const r = spawnSync(py.exe, [SCRIPT, path.join(dir, 'spec.json')], {
    encoding: 'utf8',
    timeout: Number.isFinite(limitMs) ? limitMs : undefined,
    maxBuffer: 1 << 20,
  })
  const line = r.stdout.trim().split('\n').pop() ?? ''
  let out: Record<string, unknown>
  try {
    out = JSON.parse(line) as Record<string, unknown>
  } catch {
    fs.rmSync(dir, { recursive: true, force: true })
    if (r.signal === 'SIGTERM') throw new Error(`timeout (> ${(limitMs / 1000).toFixed(0)} s)`)
    throw new Error(`torch-peer.py printed no result (${r.error?.message ?? r.stderr.trim().split('\n').pop()})`)
  }
  if (typeof out.error === 'string') {
    fs.rmSync(dir, { recursive: true, force: true })
    throw new Error(out.error)
  }
  return { ...out, dir }
}

/**
 * The PyTorch peer of a workload: `spec` names it (bench/torch-peer.py) with its parameters, and
 * `inputs` are its arguments in the script's order.
 */
export function torchPeer(spec: Record<string, unknown>, inputs: { shape: number[]; data: Float32Array }[]): Impl {
  const py = torchPython()
  if (py instanceof Error) return { name: TORCH, group: 'peer', run: () => Promise.reject(py) }
  return {
    name: TORCH,
    group: 'peer',
    run: async (): Promise<Outputs> => {
      const r = call(py, { ...spec, mode: 'check' }, inputs, Infinity)
      try {
        return (r.outputs as { file: string }[]).map((o) => {
          const b = fs.readFileSync(o.file)
          return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice()
        })
      } finally {
        fs.rmSync(r.dir, { recursive: true, force: true })
      }
    },
    timed: async ({ runs, budgetMs, limitMs }): Promise<Timing> => {
      try {
        const r = call(py, { ...spec, mode: 'time', runs, budgetMs }, inputs, limitMs)
        fs.rmSync(r.dir, { recursive: true, force: true })
        return r.timing as Timing
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e)
        return { status: reason.startsWith('timeout') ? 'timeout' : 'failed', reason }
      }
    },
  }
}
