/** DSL sources written by tests (generated, or not valid TypeScript) into a fresh temporary folder. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { specialize, type ArgSpec } from '../compiler/frontend/specialize.js'
import type { Diagnostic } from '../compiler/frontend/diagnostics.js'

export const HEAD = "import { dsl, map, type Mat } from 'drift-dsl'\n"

/** A folder for one test file's sources; `remove()` deletes it. */
export function sourceDir(): { write: (name: string, text: string) => string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-src-'))
  return {
    write: (name, text) => {
      const file = path.join(dir, name)
      fs.writeFileSync(file, text)
      return file
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  }
}

/** Every diagnostic of a rejected specialization (fails the test when it compiles). */
export function diagnosticsOf(file: string, name: string, args: ArgSpec[]): Diagnostic[] {
  const r = specialize({ file, exportName: name }, args)
  if (r._tag === 'Right') throw new Error(`expected ${name} in ${file} to be rejected, but it compiled`)
  return r.left
}

/** 1-based line and column of the first occurrence of `needle` in `text` (at its ⟨ when it has one). */
export function position(text: string, needle: string): [number, number] {
  const i = text.indexOf(needle.replace('⟨', ''))
  if (i < 0) throw new Error(`${JSON.stringify(needle)} is not in the source`)
  const pos = i + Math.max(0, needle.indexOf('⟨'))
  const before = text.slice(0, pos)
  return [before.split('\n').length, pos - before.lastIndexOf('\n')]
}
