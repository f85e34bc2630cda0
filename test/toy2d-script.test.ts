/**
 * trainToy2d from a script, with the field passed as a DSL function: the run records where the
 * function is defined (the file and the position of its dsl( call) and the file's SHA-256, and the
 * recorded setting names the same function again (what --resume reads).
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { setBackend, tensor, type Mat } from '../dsl/index.js'
import { paperField } from '../stdlib/fields/paper.js'
import { resolveConfig } from '../stdlib/toy2d/config.js'
import { fieldOf } from '../stdlib/toy2d/fields.js'
import { trainToy2d } from '../stdlib/toy2d/train.js'
import { makeProgress } from '../stdlib/train/progress.js'
import { rootPath } from './helpers.js'

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-toy2d-script-'))
afterAll(() => fs.rmSync(out, { recursive: true, force: true }))

test('trainToy2d takes the field as a DSL function and records its file, position and SHA-256', async () => {
  setBackend('wasm')
  const config = resolveConfig({ steps: 1, batch: 16, dataBatch: 16, hidden: [8], plotAt: [], evalSamples: 64 })
  const lines: string[] = []
  const state = await trainToy2d({
    config,
    field: paperField,
    out,
    backend: 'wasm',
    progress: (start) =>
      makeProgress({
        start,
        total: 1,
        logEvery: 1,
        tty: false,
        out: { write: (s: string | Uint8Array) => lines.push(String(s)) > 0 } as NodeJS.WritableStream,
      }),
  })
  expect(state.step).toBe(1)
  const recorded = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'))
  const file = rootPath('stdlib/fields/paper.ts')
  expect(recorded.field).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+$`))
  expect(recorded.fieldSha256).toBe(createHash('sha256').update(fs.readFileSync(file)).digest('hex'))
  // the recorded setting names the same function: it gives the same drift as paperField itself
  const again = await fieldOf(resolveConfig(recorded))
  const x = tensor(
    Float32Array.from({ length: 16 }, (_, i) => Math.sin(i)),
    [8, 2],
  ) as Mat
  const pos = tensor(
    Float32Array.from({ length: 12 }, (_, i) => Math.cos(i)),
    [6, 2],
  ) as Mat
  const [a, b] = [await again.fn.run(x, pos, x, 0.3), await paperField.run(x, pos, x, 0.3)]
  expect(Array.from(a.data)).toEqual(Array.from(b.data))
}, 240_000)
