/**
 * A toy checkpoint written by someone else, in either format, as `drift sample` reads it: a field
 * of the wrong type, a nesting too deep to walk, parameters that make the generator overflow and a
 * file far larger than a toy run needs are each one `drift:` line, exit code 2, and no file
 * written. The hashes are recomputed after each edit, as a hostile edit would: only the checks of
 * what the file holds stand between it and the program.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { Tensor } from '../dsl/index.js'
import { loadCheckpoint as storeContents, saveCheckpoint as saveStore } from '../stdlib/io/checkpoint.js'
import { resolveConfig, layerSizes } from '../stdlib/toy2d/config.js'
import { saveCheckpoint, type Checkpoint } from '../stdlib/toy2d/checkpoint.js'
import type { LinearParams } from '../stdlib/nn/linear.js'
import { writeLegacyCheckpoint } from './legacyCheckpoint.js'
import { runDrift } from './driftCommand.js'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-toy2d-ck-input-'))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))
let dirs = 0
const fresh = () => {
  const d = path.join(work, `run-${dirs++}`)
  fs.mkdirSync(d)
  return d
}

const drift = (...args: string[]) =>
  runDrift({ env: { DRIFT_CACHE_DIR: path.join(work, 'cache'), DRIFT_BACKEND: 'wasm' } }, ...args)

/** A small generator 2 → 4 → 2 with weights `w` everywhere, trained for one step. */
function checkpoint(w = 0.5): Checkpoint {
  const config = resolveConfig({ noiseDim: 2, hidden: [4], steps: 10 })
  const sizes = layerSizes(config)
  const layers = (v: number): LinearParams[] =>
    sizes.slice(1).map((n, i) => ({
      w: new Tensor(new Float32Array(sizes[i] * n).fill(v), [sizes[i], n], 'f32') as LinearParams['w'],
      b: new Tensor(new Float32Array(n).fill(v), [n], 'f32') as LinearParams['b'],
    }))
  return {
    config,
    backend: 'wasm',
    state: {
      step: 1,
      losses: [0.25],
      evals: [{ step: 0, metrics: { mmd2: 1, energy: 1, samples: 16 } }],
      params: layers(w),
      adam: { step: new Tensor(Float32Array.of(1), [], 'f32') as never, m: layers(0), v: layers(0) },
    },
  }
}

/** `drift sample` on DIR: one `drift:` line matching `message`, exit code 2, no points file. */
function refused(dir: string, message: RegExp): void {
  const out = path.join(dir, 'points.csv')
  const r = drift('sample', '--checkpoint', dir, '--n', '8', '--out', out)
  const lines = r.err.split('\n').filter((l) => !/^drift: backend |^Warning: /.test(l))
  expect(lines, r.err).toHaveLength(1)
  expect(lines[0]).toMatch(/^drift: /)
  expect(lines[0]).toMatch(message)
  expect(r.code).toBe(2)
  expect(fs.existsSync(out), 'a points file was written').toBe(false)
}

/** Rewrite DIR/checkpoint.json's payload with `edit`, and its SHA-256 to match. */
function editLegacy(dir: string, edit: (payload: string) => string): void {
  const file = path.join(dir, 'checkpoint.json')
  const doc = fs.readFileSync(file, 'utf8')
  const body = edit(doc.slice(doc.indexOf('"payload":') + '"payload":'.length, doc.lastIndexOf('}')))
  const sha = crypto.createHash('sha256').update(body).digest('hex')
  fs.writeFileSync(file, `{"format":"drift-toy2d-checkpoint","version":1,"sha256":"${sha}","payload":${body}}\n`)
}

describe('drift sample refuses a checkpoint', () => {
  test('a good checkpoint samples (the refusals below are about the edits)', () => {
    const dir = fresh()
    saveCheckpoint(dir, checkpoint())
    const r = drift('sample', '--checkpoint', dir, '--n', '8', '--out', path.join(dir, 'points.csv'))
    expect(r.code, r.err).toBe(0)
    expect(fs.readFileSync(path.join(dir, 'points.csv'), 'utf8').split('\n')).toHaveLength(10)
  })

  test('checkpoint.json: a backend that is an object with a toString field', () => {
    const dir = fresh()
    writeLegacyCheckpoint(dir, checkpoint())
    editLegacy(dir, (p) => p.replace('"backend":"wasm"', '"backend":{"toString":"x"}'))
    refused(dir, /corrupt checkpoint .*checkpoint\.json: .*backend/)
  })

  test('checkpoint.json: evaluations nested 200 000 deep', () => {
    const dir = fresh()
    writeLegacyCheckpoint(dir, checkpoint())
    editLegacy(dir, (p) =>
      p.replace(/"evals":\[.*?\]\]?,"params"/, `"evals":${'['.repeat(200_000)}${']'.repeat(200_000)},"params"`),
    )
    refused(dir, /corrupt checkpoint .*checkpoint\.json: .*nest/)
  })

  test('checkpoint.safetensors: a backend that is an object with a toString field', () => {
    const dir = fresh()
    const c = checkpoint()
    saveCheckpoint(dir, c)
    const { tensors, meta } = storeContents(dir)
    saveStore(dir, { tensors, meta: { ...meta, backend: { toString: 'x' } } })
    refused(dir, /corrupt checkpoint .*checkpoint\.safetensors: .*backend/)
  })

  test.each(['checkpoint.json', 'checkpoint.safetensors'])(
    '%s: parameters so large the generator overflows float32',
    (format) => {
      const dir = fresh()
      const c = checkpoint(3e38)
      if (format === 'checkpoint.json') writeLegacyCheckpoint(dir, c)
      else saveCheckpoint(dir, c)
      refused(dir, /the generator at step 1 makes (NaN|-?Infinity) \(point \d+\): its parameters overflow float32/)
    },
  )

  test('checkpoint.json of 2 GB is refused before it is read', () => {
    const dir = fresh()
    sparse(path.join(dir, 'checkpoint.json'), Buffer.from('{"format":"drift-toy2d-checkpoint"'), 2 * 2 ** 30)
    refused(dir, /2147483648 bytes, more than the 268435456 a toy checkpoint can need/)
  })

  test('checkpoint.safetensors of 2 GB, its header well formed, is refused before its tensors are read', () => {
    const dir = fresh()
    const header = Buffer.from(JSON.stringify({ x: { dtype: 'F32', shape: [2 ** 29], data_offsets: [0, 2 ** 31] } }))
    const length = Buffer.alloc(8)
    length.writeBigUInt64LE(BigInt(header.length))
    sparse(path.join(dir, 'checkpoint.safetensors'), Buffer.concat([length, header]), 8 + header.length + 2 ** 31)
    refused(dir, /checkpoint\.safetensors: \d+ bytes, more than the 268435456 its reader accepts$/)
  })
})

/** FILE of `size` bytes starting with `head`, the rest a hole (no disk used). */
function sparse(file: string, head: Buffer, size: number): void {
  fs.writeFileSync(file, head)
  fs.truncateSync(file, size)
}
