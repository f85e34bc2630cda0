/**
 * The evaluation classifier's training run (host code): each step draws its batch of labelled
 * training images (a pure function of (seed, step), stdlib/data/sampler.ts) and takes a DSL step
 * (classifier.ts), so a resumed run ends bit for bit as an uninterrupted one (on the same backend).
 * At the end it measures the test accuracy and, in its own features, the floors of FID,
 * precision and recall: real training images against real test images.
 */
import fs from 'node:fs'
import path from 'node:path'
import { randomKey, Tensor, type Vec } from '../../dsl/index.js'
import { writeAtomic } from '../../compiler/runtime/atomicWrite.js'
import { adamInit, type AdamState } from '../optim/adam.js'
import { IMAGE_SIDE, loadMnist, MNIST_CLASSES, mnistBatch } from '../data/mnist.js'
import { drawUnconditional } from '../data/sampler.js'
import { lossPlot } from '../plot/lossPlot.js'
import { explainNonFinite } from '../train/diagnose.js'
import { stopIfNonFinite, trainLoop } from '../train/loop.js'
import type { Progress } from '../train/progress.js'
import { CHECKPOINT_FILE, loadRun, saveRun, type SavedRun } from '../train/runCheckpoint.js'
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

export interface ClassifierTrainOptions {
  config: ClassifierConfig
  out: string
  resume?: ClassifierRun
  backend: string
  progress: (start: number) => Progress
}

export async function trainClassifier(
  o: ClassifierTrainOptions,
): Promise<{ run: ClassifierRun; evaluation: ClassifierEvaluation }> {
  const { config: c, out } = o
  const write = (name: string, data: string | Uint8Array) => writeAtomic(path.join(out, name), data)
  const train = loadMnist('train')
  const hyper = {
    lr: c.lr,
    warmupSteps: c.warmup,
    totalSteps: c.steps,
    beta1: c.beta1,
    beta2: c.beta2,
    weightDecay: c.weightDecay,
  }
  const run: ClassifierRun = o.resume ?? {
    step: 0,
    config: c,
    backend: o.backend,
    losses: [],
    extra: null,
    tensors: await initClassifierTensors(c),
  }
  run.config = c
  run.backend = o.backend
  write('config.json', JSON.stringify(c, null, 2) + '\n')

  await trainLoop({
    from: run.step,
    to: c.steps,
    checkpointEvery: c.checkpointEvery,
    progress: o.progress(run.step),
    checkpoint: () => {
      saveRun(out, PROGRAM, run)
      write('loss.png', lossPlot(run.losses, `LENET ${c.c1} ${c.c2} ${c.hidden} cross-entropy`))
      return path.join(out, CHECKPOINT_FILE)
    },
    step: async (s) => {
      const indices = drawUnconditional(train, c.seed, s, c.batch)
      const labels: Vec<'i32'> = new Tensor(
        Int32Array.from(indices, (i) => train.labels[i]),
        [c.batch],
        'i32',
      )
      const args = [run.tensors.params, run.tensors.adam, mnistBatch(train, indices), labels, hyper] as const
      const r = await classifierStep.run(...args)
      const loss = r.loss.item()
      const params = r.params as ClassifierParams
      await stopIfNonFinite({
        step: s,
        loss,
        params,
        checkpointKept: fs.existsSync(path.join(out, CHECKPOINT_FILE)),
        explain: () => explainNonFinite(classifierStep, ...args),
      })
      run.losses.push(loss)
      run.tensors = { params, adam: r.state as AdamState<ClassifierParams> }
      run.step = s + 1
      return loss
    },
  })
  const test = loadMnist('test')
  const evaluation: ClassifierEvaluation = {
    step: run.step,
    test: await testAccuracy(run.tensors.params, test),
  }
  if (c.floorImages > 0)
    evaluation.floors = { images: c.floorImages, ...(await realFloors(run.tensors.params, train, test, c.floorImages)) }
  write('metrics.json', JSON.stringify({ ...evaluation, finalLoss: run.losses.at(-1) ?? null }, null, 2) + '\n')
  return { run, evaluation }
}
