/**
 * The evaluation classifier's training run (host code): each step draws its batch of labelled
 * training images (a pure function of (seed, step), stdlib/data/sampler.ts) and takes a DSL step
 * (classifier.ts), so a resumed run ends bit for bit as an uninterrupted one (on the same backend).
 * At the end it measures the test accuracy and, in its own features, the floors of FID,
 * precision and recall: real training images against real test images.
 */
import { randomKey, Tensor, type Vec } from '../../dsl/index.js'
import { adamInit, type AdamState } from '../optim/adam.js'
import { IMAGE_SIDE, loadMnist, MNIST_CLASSES, mnistBatch } from '../data/mnist.js'
import { drawUnconditional } from '../data/sampler.js'
import { explainNonFinite } from '../train/diagnose.js'
import { loadRun, type SavedRun } from '../train/runCheckpoint.js'
import { runSteps, startRun, writeOut, type RunOptions } from '../train/savedRunLoop.js'
import { classifierStep, initClassifier, type ClassifierParams } from './classifier.js'
import { resolveClassifierConfig, type ClassifierConfig } from './classifierConfig.js'
import { realFloors, testAccuracy, type Accuracy, type SetMetrics } from './evaluate.js'

export const PROGRAM = 'classifier'

export interface ClassifierTensors {
  params: ClassifierParams
  adam: AdamState<ClassifierParams>
}

export type ClassifierRun = SavedRun<ClassifierConfig, ClassifierTensors>

export interface ClassifierEvaluation {
  step: number
  test: Accuracy
  /** real training images against real test images, in the classifier's features */
  floors?: SetMetrics & { images: number }
}

/** A fresh run's tensors: the weights from randomKey(seed), zero Adam state. */
export async function initClassifierTensors(c: ClassifierConfig): Promise<ClassifierTensors> {
  const params = await initClassifier.run(randomKey(c.seed), 1, IMAGE_SIDE, c.c1, c.c2, c.hidden, MNIST_CLASSES)
  return { params, adam: (await adamInit.run(params)) as AdamState<ClassifierParams> }
}

export const loadClassifierRun = (dir: string): Promise<ClassifierRun> =>
  loadRun(dir, PROGRAM, resolveClassifierConfig, initClassifierTensors)

export type ClassifierTrainOptions = RunOptions<ClassifierConfig, ClassifierTensors>

export async function trainClassifier(
  o: ClassifierTrainOptions,
): Promise<{ run: ClassifierRun; evaluation: ClassifierEvaluation }> {
  const { config: c, out } = o
  const train = loadMnist('train')
  const hyper = {
    lr: c.lr,
    warmupSteps: c.warmup,
    totalSteps: c.steps,
    beta1: c.beta1,
    beta2: c.beta2,
    weightDecay: c.weightDecay,
  }
  const run = await startRun(o, () => initClassifierTensors(c))
  await runSteps({
    out,
    program: PROGRAM,
    run,
    progress: o.progress,
    lossTitle: `LENET ${c.c1} ${c.c2} ${c.hidden} cross-entropy`,
    step: async (s) => {
      const indices = drawUnconditional(train, c.seed, s, c.batch)
      const labels: Vec<'i32'> = new Tensor(
        Int32Array.from(indices, (i) => train.labels[i]),
        [c.batch],
        'i32',
      )
      const args = [run.tensors.params, run.tensors.adam, mnistBatch(train, indices), labels, hyper] as const
      const r = await classifierStep.run(...args)
      const params = r.params as ClassifierParams
      return {
        loss: r.loss.item(),
        tensors: { params, adam: r.state as AdamState<ClassifierParams> },
        params,
        explain: () => explainNonFinite(classifierStep, ...args),
      }
    },
  })
  const test = loadMnist('test')
  const evaluation: ClassifierEvaluation = {
    step: run.step,
    test: await testAccuracy(run.tensors.params, test),
  }
  if (c.floorImages > 0)
    evaluation.floors = { images: c.floorImages, ...(await realFloors(run.tensors.params, train, test, c.floorImages)) }
  writeOut(out, 'metrics.json', JSON.stringify({ ...evaluation, finalLoss: run.losses.at(-1) ?? null }, null, 2) + '\n')
  return { run, evaluation }
}
