/**
 * The GPU benchmark's workloads (bench/gpu/workloads.ts): each one's input rules are as many as the
 * leaves of its argument specs, and the outputs it compares with PyTorch are the ones bench.py
 * returns, found by their paths in the specialized function's output tree.
 */
import { describe, expect, test } from 'vitest'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ArgSpec } from '../compiler/frontend/specialize.js'
import { specialize } from '../compiler/frontend/specialize.js'
import type { TreeDef } from '../compiler/ir/types.js'
import { gpuWorkloads } from '../bench/gpu/workloads.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** The traced leaves of argument specs. */
const tensorLeaves = (s: ArgSpec): number =>
  s.tag === 'tensor'
    ? 1
    : s.tag === 'array'
      ? s.items.reduce((n, x) => n + tensorLeaves(x), 0)
      : s.tag === 'object'
        ? s.fields.reduce((n, [, x]) => n + tensorLeaves(x), 0)
        : 0

/** The paths of an output tree's leaves, in order. */
const leafPaths = (t: TreeDef, at = ''): string[] =>
  t.kind === 'leaf'
    ? [at]
    : t.kind === 'array'
      ? t.items.flatMap((x, i) => leafPaths(x, `${at}[${i}]`))
      : t.kind === 'object'
        ? t.items.flatMap((x, i) => leafPaths(x, at ? `${at}.${t.keys[i]}` : t.keys[i]))
        : []

describe('the GPU benchmark workloads', () => {
  test.each(gpuWorkloads(ROOT, true).map((w) => [w.id, w] as const))('%s: one input rule per traced leaf', (_, w) => {
    expect(w.inputs.length).toBe(w.args.reduce((n, s) => n + tensorLeaves(s), 0))
  })

  test("mnist-step compares the loss, the output layer's new weights and first moment, the noise layer's first moment", () => {
    const w = gpuWorkloads(ROOT, true).find((x) => x.kind === 'mnist-step')!
    const s = specialize({ file: w.file, exportName: w.fn }, w.args)
    if (s._tag === 'Left') throw new Error(`driftStep did not specialize for ${w.id}`)
    const paths = leafPaths(s.right.outTree)
    expect(w.compared.map((i) => paths[i])).toEqual([
      'loss',
      'state.params.out.w',
      'state.adam.m.out.w',
      'state.adam.m.noiseIn.w',
    ])
  }, 120_000)
})
