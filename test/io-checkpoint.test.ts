/**
 * The checkpoint store: nested pytrees of every tensor dtype and JSON metadata come back bit for
 * bit; a damaged byte is caught by the SHA-256; bad contents are refused with one line before
 * anything is written; bad files (even with a valid hash) are refused with one line naming them.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { Tensor } from '../dsl/index.js'
import {
  CHECKPOINT_FILE,
  checkpointProgram,
  loadCheckpoint,
  saveCheckpoint,
  type AnyTensor,
} from '../stdlib/io/checkpoint.js'
import { DataError } from '../stdlib/io/errors.js'
import { encodeSafetensors, type StTensor } from '../stdlib/io/safetensors.js'
import { rng } from './helpers.js'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-checkpoint-'))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))
let dirs = 0
const fresh = () => {
  const dir = path.join(work, `run-${dirs++}`)
  fs.mkdirSync(dir)
  return dir
}
const fileIn = (dir: string) => path.join(dir, CHECKPOINT_FILE)

const r = rng(7)
const f32 = (shape: number[]) =>
  new Tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 4 - 2),
    shape,
    'f32',
  ) as AnyTensor

/** A pytree like a training program's: parameters, Adam moments, an EMA, a step, masks, float64 statistics. */
function sampleTree() {
  const layers = [
    { w: f32([4, 8]), b: f32([8]) },
    { w: f32([8, 2]), b: f32([2]) },
  ]
  return {
    params: { layers, scale: f32([]) },
    adam: {
      step: new Tensor(Int32Array.of(12), [], 'i32'),
      m: layers.map((l) => ({ w: f32(l.w.shape as number[]), b: f32([l.b.shape[0]]) })),
    },
    ema: { layers: [{ w: f32([4, 8]) }] },
    mask: new Tensor(Uint8Array.of(1, 0, 0, 1), [2, 2], 'bool'),
    stats: new Tensor(Float64Array.of(Math.PI, -1e-300, 5e-324), [3], 'f32'),
    empty: { list: [], object: {} },
  }
}
const META = {
  step: 12,
  config: { lr: 1e-3, hidden: [8, 8], name: 'run "1"\nsecond line', nested: { deep: [[1, 2], [3]] } },
  rng: { seed: 3, counter: 2 ** 40 },
  losses: [0.5, 1 / 3, 1e-30, -2.5e300],
  flag: true,
  none: null,
}

/** Every tensor leaf of a tree, by dotted name. */
function leaves(tree: unknown, at = ''): Map<string, AnyTensor> {
  const out = new Map<string, AnyTensor>()
  if (tree instanceof Tensor) return out.set(at, tree as AnyTensor)
  for (const [k, v] of Object.entries(tree as object))
    for (const [n, t] of leaves(v, at ? `${at}.${k}` : k)) out.set(n, t)
  return out
}
const bytes = (t: AnyTensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)

/**
 * A checkpoint file written directly, signed as documented in stdlib/io/checkpoint.ts: SHA-256 over
 * JSON [format, version, tree, meta, [[name, dtype, shape] by name]] then each tensor's bytes by name.
 */
function writeSigned(
  dir: string,
  tree: string,
  meta: string,
  tensors: Map<string, StTensor>,
  edit: Record<string, string> = {},
) {
  const names = [...tensors.keys()].sort()
  const hash = crypto.createHash('sha256')
  hash.update(
    JSON.stringify([
      'drift-checkpoint',
      '1',
      tree,
      meta,
      names.map((n) => [n, tensors.get(n)!.dtype, tensors.get(n)!.shape]),
    ]),
  )
  for (const n of names) hash.update(Buffer.from(tensors.get(n)!.data.buffer))
  const metadata = { format: 'drift-checkpoint', version: '1', tree, meta, sha256: hash.digest('hex'), ...edit }
  fs.writeFileSync(fileIn(dir), encodeSafetensors({ metadata, tensors }))
}
const one = (data: StTensor['data'], dtype: StTensor['dtype'] = 'F32') =>
  new Map<string, StTensor>([['x', { dtype, shape: [data.length], data }]])

function refusal(f: () => unknown, file: string): string {
  let error: unknown
  try {
    f()
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(DataError)
  const message = (error as Error).message
  expect(message.split('\n')).toHaveLength(1)
  expect(message).toContain(file)
  return message
}

describe('checkpoints', () => {
  test('the program a checkpoint names is read from its header; another safetensors file names none', () => {
    const dir = fresh()
    saveCheckpoint(dir, { tensors: sampleTree(), meta: { ...META, program: 'mnist-drift' } })
    expect(checkpointProgram(dir)).toBe('mnist-drift')
    const other = fresh()
    fs.writeFileSync(
      path.join(other, CHECKPOINT_FILE),
      encodeSafetensors({ metadata: { note: 'x' }, tensors: new Map() }),
    )
    expect(checkpointProgram(other)).toBeUndefined()
    // over the reader's limit it is refused unread, like the whole file
    expect(refusal(() => checkpointProgram(dir, 16), CHECKPOINT_FILE)).toMatch(/more than the 16 its reader accepts$/)
  })

  test('a nested pytree of every tensor dtype and the metadata come back bit for bit', () => {
    const dir = fresh()
    const tree = sampleTree()
    saveCheckpoint(dir, { tensors: tree, meta: META })
    expect(fs.readdirSync(dir)).toEqual([CHECKPOINT_FILE])
    const back = loadCheckpoint(dir)
    expect(back.meta).toEqual(META)
    const [want, got] = [leaves(tree), leaves(back.tensors)]
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort())
    expect(got.has('params.layers.1.w') && got.has('adam.m.0.b') && got.has('adam.step')).toBe(true)
    for (const [name, t] of want) {
      const g = got.get(name)!
      expect([g.dtype, g.shape, g.data.constructor], name).toEqual([t.dtype, t.shape, t.data.constructor])
      expect(bytes(g).equals(bytes(t)), name).toBe(true)
    }
    expect(Array.isArray((back.tensors.params as { layers: unknown }).layers)).toBe(true)
    expect(back.tensors.empty).toEqual({ list: [], object: {} })
    // saving what was loaded writes the same bytes
    const again = fresh()
    saveCheckpoint(again, { tensors: back.tensors, meta: back.meta })
    expect(fs.readFileSync(fileIn(again)).equals(fs.readFileSync(fileIn(dir)))).toBe(true)
  })

  test('one flipped bit of a tensor, or one changed digit of the metadata, is caught by the SHA-256', () => {
    const dir = fresh()
    saveCheckpoint(dir, { tensors: sampleTree(), meta: META })
    const good = fs.readFileSync(fileIn(dir))
    const damaged = Buffer.from(good)
    damaged[good.length - 20] ^= 0x04
    fs.writeFileSync(fileIn(dir), damaged)
    expect(refusal(() => loadCheckpoint(dir), fileIn(dir))).toMatch(
      /: its SHA-256 does not match its contents: the file is damaged$/,
    )
    const edited = Buffer.from(good.toString('latin1').replace('\\"step\\":12', '\\"step\\":13'), 'latin1')
    expect(edited.equals(good)).toBe(false)
    fs.writeFileSync(fileIn(dir), edited)
    expect(refusal(() => loadCheckpoint(dir), fileIn(dir))).toMatch(/SHA-256 does not match/)
  })

  test('a stale temporary file of a killed writer is removed by the next write; other files stay', () => {
    const dir = fresh()
    fs.writeFileSync(path.join(dir, `${CHECKPOINT_FILE}.12345.tmp`), 'half a checkpoint')
    fs.writeFileSync(path.join(dir, 'notes.tmp'), 'mine')
    saveCheckpoint(dir, { tensors: { a: [f32([2])] }, meta: {} })
    expect(fs.readdirSync(dir).sort()).toEqual([CHECKPOINT_FILE, 'notes.tmp'])
  })

  const badContents: [string, () => object, () => object, RegExp][] = [
    [
      'a NaN parameter',
      () => ({ w: new Tensor(Float32Array.of(1, NaN), [2], 'f32') }),
      () => ({}),
      /tensor "w" holds NaN at element 1: only finite values are saved/,
    ],
    [
      'a number among the tensors',
      () => ({ lr: 0.1 }),
      () => ({}),
      /lr is number: tensors holds Tensors in objects and arrays; plain values go in meta/,
    ],
    [
      'a key with a dot',
      () => ({ 'a.b': f32([1]) }),
      () => ({}),
      /the key "a\.b" cannot be part of a dotted tensor name/,
    ],
    ['a single tensor', () => f32([1]), () => ({}), /tensors must be an object or array of Tensors/],
    [
      'an i32 tensor in a Float32Array',
      () => ({ i: new Tensor(new Float32Array(1), [1], 'i32') }),
      () => ({}),
      /tensor "i": i32 data in a Float32Array cannot be stored/,
    ],
    [
      'NaN in meta',
      () => ({}),
      () => ({ losses: [1, NaN] }),
      /meta\.losses\[1\] is NaN: JSON holds finite numbers only/,
    ],
    [
      'a class instance in meta',
      () => ({}),
      () => ({ when: new Date(0) }),
      /meta\.when is an object of a class, not JSON/,
    ],
    [
      'meta nested too deep',
      () => ({}),
      () => ({ a: JSON.parse('['.repeat(40) + ']'.repeat(40)) }),
      /meta\.a(\[0\])+ is nested deeper than 32 levels/,
    ],
    ['meta over 16 MiB', () => ({}), () => ({ text: 'x'.repeat(2 ** 24) }), /meta is over 16777216 bytes of JSON/],
  ]
  test.each(badContents)('%s is refused before anything is written', (_what, tensors, meta, message) => {
    const dir = fresh()
    saveCheckpoint(dir, { tensors: { kept: [f32([3])] }, meta: { step: 1 } })
    const before = fs.readFileSync(fileIn(dir))
    let error: unknown
    try {
      saveCheckpoint(dir, { tensors: tensors(), meta: meta() as never })
    } catch (e) {
      error = e
    }
    expect((error as Error).message).toMatch(new RegExp(`^cannot save checkpoint .*${CHECKPOINT_FILE}: `))
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message.split('\n')).toHaveLength(1)
    expect(fs.readdirSync(dir)).toEqual([CHECKPOINT_FILE])
    expect(fs.readFileSync(fileIn(dir)).equals(before)).toBe(true)
  })

  const badFiles: [string, (dir: string) => void, RegExp][] = [
    ['a missing checkpoint', () => {}, /checkpoint\.safetensors is missing: no checkpoint has been saved in /],
    [
      'a plain safetensors file',
      (dir) => fs.writeFileSync(fileIn(dir), encodeSafetensors({ metadata: {}, tensors: one(Float32Array.of(1)) })),
      /: not a drift checkpoint \(its __metadata__ holds nothing\)/,
    ],
    [
      'another format',
      (dir) => writeSigned(dir, '{"x":null}', '{}', one(Float32Array.of(1)), { format: 'other' }),
      /: not a drift checkpoint \(format "other"\)/,
    ],
    [
      'a later version',
      (dir) => writeSigned(dir, '{"x":null}', '{}', one(Float32Array.of(1)), { version: '2' }),
      /: checkpoint version "2": this drift reads version 1/,
    ],
    [
      'an infinite value (with a valid hash)',
      (dir) => writeSigned(dir, '{"x":null}', '{}', one(Float32Array.of(1, -Infinity))),
      /: tensor "x" holds -Infinity at element 1$/,
    ],
    [
      'a NaN float64 value',
      (dir) => writeSigned(dir, '{"x":null}', '{}', one(Float64Array.of(NaN), 'F64')),
      /: tensor "x" holds NaN at element 0$/,
    ],
    [
      'a U8 tensor',
      (dir) => writeSigned(dir, '{"x":null}', '{}', one(Uint8Array.of(1), 'U8')),
      /: tensor "x" is U8: checkpoint tensors are F32, F64, I32 or BOOL/,
    ],
    [
      'a tree naming a missing tensor',
      (dir) => writeSigned(dir, '{"x":null,"y":null}', '{}', one(Float32Array.of(1))),
      /: the tree names tensor "y", which the file does not hold/,
    ],
    [
      'a tensor outside the tree',
      (dir) => writeSigned(dir, '{"z":[]}', '{}', one(Float32Array.of(1))),
      /: tensor "x" is not in the tree/,
    ],
    [
      'a tree with a bad leaf',
      (dir) => writeSigned(dir, '{"x":1}', '{}', one(Float32Array.of(1))),
      /: the tree holds 1 at x/,
    ],
    [
      'a tree key with a dot',
      (dir) => writeSigned(dir, '{"a.b":null}', '{}', one(Float32Array.of(1))),
      /: the tree: the key "a\.b" cannot be part/,
    ],
    [
      'meta that is not JSON',
      (dir) => writeSigned(dir, '{"x":null}', '{"a":', one(Float32Array.of(1))),
      /: meta is not JSON \(/,
    ],
    [
      'meta that is not an object',
      (dir) => writeSigned(dir, '{"x":null}', '[1]', one(Float32Array.of(1))),
      /: meta is not a JSON object$/,
    ],
    [
      'meta with an infinite number',
      (dir) => writeSigned(dir, '{"x":null}', '{"a":1e999}', one(Float32Array.of(1))),
      /: meta\.a is Infinity/,
    ],
    [
      'meta nested too deep',
      (dir) => writeSigned(dir, '{"x":null}', `{"a":${'['.repeat(1e5)}${']'.repeat(1e5)}}`, one(Float32Array.of(1))),
      /: meta\.a(\[0\])+ is nested deeper than 32 levels$/,
    ],
    [
      'a tree nested too deep',
      (dir) =>
        writeSigned(
          dir,
          `${'{"a":'.repeat(40)}null${'}'.repeat(40)}`,
          '{}',
          new Map([[Array(40).fill('a').join('.'), { dtype: 'F32', shape: [], data: Float32Array.of(1) }]]),
        ),
      /: the tree is nested deeper than 32 levels/,
    ],
  ]
  test.each(badFiles)('%s is refused with one line naming the file', (_what, write, message) => {
    const dir = fresh()
    write(dir)
    expect(refusal(() => loadCheckpoint(dir), fileIn(dir))).toMatch(message)
  })

  test('the test signer agrees with the store: a file it signs loads', () => {
    const dir = fresh()
    writeSigned(dir, '{"x":null}', '{"step":3}', one(Float32Array.of(1, 2)))
    const back = loadCheckpoint(dir)
    expect(back.meta).toEqual({ step: 3 })
    expect(Array.from((back.tensors.x as AnyTensor).data)).toEqual([1, 2])
  })
})
