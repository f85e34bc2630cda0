/**
 * The fuzz command: `npm run fuzz -- --programs 1000 --seed N` checks programs of seeds N, N+1, …
 * on every backend that runs here against the float64 reference, printing each failing program
 * with its seed; the exit code is 1 when any fails.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { generateProgram } from './generate.js'
import { checkProgram, makeRuntimes, report } from './check.js'

function count(flag: string, v: string, lo: number): number {
  const n = Number(v)
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < lo || n >= 2 ** 31) {
    console.error(`fuzz: --${flag} expects an integer in [${lo}, 2^31), got '${v}'`)
    process.exit(2)
  }
  return n
}

const { values } = parseArgs({
  options: { programs: { type: 'string', default: '100' }, seed: { type: 'string', default: '1' } },
})
const programs = count('programs', values.programs!, 1)
const seed = count('seed', values.seed!, 0)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-fuzz-'))
const runtimes = makeRuntimes()
let failed = 0
try {
  for (let k = 0; k < programs; k++) {
    const p = generateProgram((seed + k) % 2 ** 31)
    const failures = await checkProgram(p, dir, runtimes)
    if (failures.length) (failed++, console.error(report(p, failures)))
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
console.log(
  `fuzz: ${programs - failed} of ${programs} programs agree on every backend (seeds ${seed} to ${seed + programs - 1})`,
)
process.exit(failed ? 1 : 0)
