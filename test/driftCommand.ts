/** The `drift` command line run as a user runs it, for the CLI tests. */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { ROOT } from './helpers.js'

export interface CommandResult {
  code: number | null
  out: string
  /** stderr without its trailing newline */
  err: string
}

/** `drift args…` in `cwd` (the repository by default), with `env` added to the environment. */
export function runDrift(o: { cwd?: string; env?: Record<string, string> }, ...args: string[]): CommandResult {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/drift.mjs'), ...args], {
    cwd: o.cwd ?? ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...o.env },
  })
  return { code: r.status, out: r.stdout, err: r.stderr.trim() }
}
