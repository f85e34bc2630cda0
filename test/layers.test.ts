/**
 * The layers of the tree, lowest first: a module may import its own layer and the ones below,
 * never one above. Every relative import is checked (static, side-effect and dynamic ones).
 */
import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import { ROOT } from './helpers.js'

/** Lowest first. `compiler/kernel` (the kernel IR and its builder) sits with `compiler/ir`: element rules use it. */
export const LAYERS: string[][] = [
  ['compiler/ir', 'compiler/kernel'],
  ['compiler/transforms'],
  ['compiler/fusion'],
  ['compiler/backend'],
  ['compiler/frontend'],
  ['compiler/runtime'],
  ['compiler/aot'],
  ['compiler/cli'],
  ['dsl'],
  ['stdlib'],
  ['playground'],
  ['cli'],
  ['bench', 'examples'],
  ['test'],
]

export function layerOf(file: string): number | undefined {
  const i = LAYERS.findIndex((ls) => ls.some((l) => file === l || file.startsWith(`${l}/`)))
  return i < 0 ? undefined : i
}

const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g

/** The imports of `source` (a file at `file`, relative to the root) that point to a higher layer. */
export function upwardImports(file: string, source: string): string[] {
  const from = layerOf(file)
  if (from === undefined) return []
  const out: string[] = []
  for (const m of source.matchAll(IMPORT)) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]))
    const to = layerOf(target)
    if (to !== undefined && to > from) out.push(`${file} imports ${target} (${LAYERS[from][0]} → ${LAYERS[to][0]})`)
  }
  return out
}

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name)
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(rel)
    return e.name.endsWith('.ts') ? [rel] : []
  })
}

test('no module imports a layer above its own', () => {
  const files = ['compiler', 'dsl', 'stdlib', 'playground', 'cli', 'bench', 'examples', 'test'].flatMap(sources)
  expect(files.length).toBeGreaterThan(150)
  const bad = files.flatMap((f) => upwardImports(f, fs.readFileSync(path.join(ROOT, f), 'utf8')))
  expect(bad).toEqual([])
})

test('the check finds an upward import of each form', () => {
  const src = [
    "import { x } from '../../dsl/tensor.js'",
    "import '../../stdlib/fields/paper.js'",
    "const m = await import('../../cli/drift.js')",
    "import type { Graph } from '../ir/types.js'",
  ].join('\n')
  expect(upwardImports('compiler/runtime/jit.ts', src)).toEqual([
    'compiler/runtime/jit.ts imports dsl/tensor.js (compiler/runtime → dsl)',
    'compiler/runtime/jit.ts imports stdlib/fields/paper.js (compiler/runtime → stdlib)',
    'compiler/runtime/jit.ts imports cli/drift.js (compiler/runtime → cli)',
  ])
})
