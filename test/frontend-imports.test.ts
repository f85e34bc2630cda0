/**
 * Every frontend module can be the first one a program imports: the modules import each other,
 * and a cycle through a module-level constant (an operation table) fails with "Cannot access …
 * before initialization" when the import starts in the wrong place. Each module is imported first
 * by a fresh Node process (real ES modules: vitest's own loader tolerates such cycles), two at a time.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'
import { rootPath } from './helpers.js'

const DIR = rootPath('compiler/frontend')
const MODULES = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.ts'))
  .sort()

/** Import `file` first in a new process; the first line of its error, or undefined when it loads. */
async function importFirst(file: string): Promise<string | undefined> {
  const url = pathToFileURL(`${DIR}/${file}`).href
  const script = `const m = await import(${JSON.stringify(url)}); if (!Object.keys(m).length) throw new Error('no exports')`
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: rootPath(),
    })
    return undefined
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? e)
    return stderr.split('\n').find((l) => /Error/.test(l)) ?? stderr.trim().split('\n')[0]
  }
}

test('every frontend module can be imported first', { timeout: 300_000 }, async () => {
  expect(MODULES).toContain('shapeOps.ts')
  expect(MODULES.length).toBeGreaterThan(10)
  const failures: string[] = []
  const queue = [...MODULES]
  const worker = async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const error = await importFirst(f)
      if (error) failures.push(`${f}: ${error}`)
    }
  }
  await Promise.all([worker(), worker()])
  expect(failures.sort()).toEqual([])
})
