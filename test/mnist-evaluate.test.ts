/**
 * The sample metrics in the classifier's feature space (stdlib/mnist/evaluate.ts), with a small
 * randomly initialized classifier on real MNIST digits: features computed by blocks equal one call,
 * real digits scored against themselves reach the known answers (FID 0, precision and recall 1,
 * accuracy the host's argmax count), FID equals the float64 Fréchet distance of the same features,
 * and mismatched labels are refused.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { randomKey, setBackend, Tensor, type Vec } from '../dsl/index.js'
import { loadMnist, MNIST_CLASSES } from '../stdlib/data/mnist.js'
import { classify, initClassifier } from '../stdlib/mnist/classifier.js'
import { classifierOutputs, FEATURE_BATCH, firstImages, sampleMetrics } from '../stdlib/mnist/evaluate.js'
import { frechetDistance } from '../stdlib/metrics/frechet.js'
import { EPS32, expectClose, seeded } from './helpers.js'

beforeAll(() => setBackend('wasm'))

/** A LeNet of widths 4, 4 and 16 features from the test's seed, and the first n test digits with their labels. */
async function fixture(seed: number, n: number) {
  const test = loadMnist('test')
  return {
    params: await initClassifier.run(randomKey(seed), 1, 32, 4, 4, 16, MNIST_CLASSES),
    images: firstImages(test, n),
    labels: new Tensor(Int32Array.from(test.labels.subarray(0, n)), [n], 'i32') as Vec<'i32'>,
  }
}

describe('metrics in the classifier features', () => {
  test(`features by blocks of ${FEATURE_BATCH} are the features of one call`, () =>
    seeded(async (_r, seed) => {
      const { params, images } = await fixture(seed, FEATURE_BATCH + 100)
      const [blocks, whole] = [await classifierOutputs(params, images), await classify.run(params, images)]
      expect(blocks.features.shape).toEqual([FEATURE_BATCH + 100, 16])
      // the same kernels on the same rows, whatever the batch: within float32 rounding of a 400-term sum
      expectClose(blocks.features.data, whole.features.data, { rtol: 32 * EPS32, atol: 1e-5 }, 'features')
      expectClose(blocks.logits.data, whole.logits.data, { rtol: 32 * EPS32, atol: 1e-5 }, 'logits')
    }))

  test('real digits against themselves: FID 0, precision and recall 1, the accuracy of the argmax', () =>
    seeded(async (_r, seed) => {
      const { params, images, labels } = await fixture(seed, 300)
      const { features, logits } = await classifierOutputs(params, images)
      const m = await sampleMetrics(params, images, labels, features)
      expect([m.precision, m.recall]).toEqual([1, 1])
      // FID of a set with itself is 0 up to the float32 square roots (1e-5 of the trace, frechet.ts)
      let trace = 0
      for (let j = 0; j < 16; j++) {
        let [s, s2] = [0, 0]
        for (let i = 0; i < 300; i++) [s, s2] = [s + features.data[i * 16 + j], s2 + features.data[i * 16 + j] ** 2]
        trace += (s2 - (s * s) / 300) / 299
      }
      expect(Math.abs(m.fid)).toBeLessThan(1e-4 * trace)
      let correct = 0
      for (let i = 0; i < 300; i++) {
        const row = Array.from(logits.data.subarray(i * 10, i * 10 + 10))
        if (row.indexOf(Math.max(...row)) === labels.data[i]) correct++
      }
      expect(m.accuracy * 300).toBeCloseTo(correct, 3)
    }))

  test('FID is the Fréchet distance of the two feature sets (compiled against float64)', () =>
    seeded(async (_r, seed) => {
      const { params, images, labels } = await fixture(seed, 400)
      const real = (await classifierOutputs(params, firstImages(loadMnist('train'), 400))).features
      const got = await sampleMetrics(params, images, labels, real)
      const own = (await classifierOutputs(params, images)).features
      const want = (await frechetDistance.reference(real, own)).item()
      expect(want).toBeGreaterThan(0)
      expectClose([got.fid], [want], { rtol: 1e-3, atol: 0 }, 'FID')
    }))

  test('labels that do not match the samples are refused', () =>
    seeded(async (_r, seed) => {
      const { params, images, labels } = await fixture(seed, 20)
      const short = new Tensor(labels.data.subarray(0, 19), [19], 'i32') as Vec<'i32'>
      await expect(
        sampleMetrics(params, images, short, new Tensor(new Float32Array(16), [1, 16], 'f32')),
      ).rejects.toThrow(/19 labels for 20 samples/)
    }))
})
