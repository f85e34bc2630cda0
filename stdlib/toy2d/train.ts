/**
 * The toy 2-D training run (host code): draw the step's batch, take a DSL training step
 * (stdlib/toy2d/step.ts), stop on a non-finite loss, and write plots, metrics and atomic
 * checkpoints into the run's folder. Every step's randomness is a pure function of (seed, step),
 * so a run resumed from a checkpoint ends with the same parameters, bit for bit, as one that was
 * never interrupted (on the same backend). Nothing is written before the first step has been
 * computed: a run that cannot run here (too little memory, a backend error) leaves its folder as
 * it found it.
 */
import path from 'node:path'
import { randomKey, tensor, Tensor, type DslFunction, type Vec } from '../../dsl/index.js'
import { adamInit, type AdamState } from '../optim/adam.js'
import type { LinearParams } from '../nn/linear.js'
import { generate, trainStep, type Field } from './step.js'
import { drawBatch, drawEval, type Index } from './batch.js'
import { initGenerator } from './init.js'
import { DATASETS, startPoint } from './registry.js'
import { fieldOf } from './fields.js'
import { recordOf, settingLabel } from '../train/functionSetting.js'
import { layerSizes, plotSteps, type Toy2dConfig } from './config.js'
import { checkpointPath, findCheckpoint, saveCheckpoint, type RunState } from './checkpoint.js'
import { evaluate } from './metrics.js'
import { frameFor, scatterPlot } from './plot.js'
import { lossPlot } from '../plot/lossPlot.js'
import { writeAtomic } from '../../compiler/runtime/atomicWrite.js'
import { explainNonFinite } from '../train/diagnose.js'
import { stopIfNonFinite, trainLoop } from '../train/loop.js'
import type { Progress } from '../train/progress.js'

export interface TrainOptions {
  /** the settings; `field` names the drifting field unless `field` below is given */
  config: Toy2dConfig
  /**
   * the drifting field as a DSL function (for scripts): it replaces config.field, and the run records
   * where it is defined (file and export, or the position of its dsl( call) and its file's SHA-256
   */
  field?: DslFunction<Field>
  /** the run's folder: plots, metrics, config and the checkpoint */
  out: string
  /** the state to continue from (a loaded checkpoint); a fresh run when absent */
  resume?: RunState
  /** the backend name recorded in checkpoints */
  backend: string
  progress: (start: number) => Progress
}

const index = (i: number): Index => new Tensor(Int32Array.of(i), [] as [], 'i32')
type Adam = AdamState<LinearParams[]>

/** The config with the field it runs: a script's DSL function recorded in it, or the one it names. */
async function withField(o: TrainOptions): Promise<{ c: Toy2dConfig; field: DslFunction<Field> }> {
  if (!o.field) return { c: o.config, field: (await fieldOf(o.config)).fn }
  const { reference, sha256 } = recordOf('field', o.field)
  return { c: { ...o.config, field: reference, fieldSha256: sha256 }, field: o.field }
}

export async function trainToy2d(o: TrainOptions): Promise<RunState> {
  const { out } = o
  const { c, field } = await withField(o)
  const dataset = DATASETS[c.data]
  const key = randomKey(c.seed)
  const start = startPoint(c.data, c.init)
  const frame = frameFor(start)
  const toPlot = new Set(plotSteps(c))
  // files wait here until the first step has been computed
  let pending: [string, string | Uint8Array][] | undefined = []
  const write = (name: string, data: string | Uint8Array) =>
    pending ? pending.push([name, data]) : writeAtomic(path.join(out, name), data)
  const flush = () => {
    const files = pending ?? []
    pending = undefined
    for (const [name, data] of files) write(name, data)
  }
  const title = `${c.data} ${settingLabel(c.field)} tau ${c.tau}${c.init === 'zero' ? '' : ` init ${c.init}`}`

  let state: RunState
  if (o.resume) state = o.resume
  else {
    const params = await initGenerator.run(key, layerSizes(c), tensor(start) as Vec)
    state = { step: 0, params, adam: (await adamInit.run(params)) as Adam, losses: [], evals: [] }
  }
  write('config.json', JSON.stringify(c, null, 2) + '\n')

  const writeMetrics = () => {
    const last = state.evals.at(-1)
    write(
      'metrics.json',
      JSON.stringify(
        {
          data: c.data,
          field: c.field,
          init: c.init,
          step: state.step,
          final: last?.step === state.step ? last.metrics : undefined,
          evaluations: state.evals,
        },
        null,
        2,
      ) + '\n',
    )
  }
  const evaluateNow = async () => {
    if (state.evals.some((e) => e.step === state.step)) return
    const { noise, data } = await drawEval.run(key, index(state.step), c.evalSamples, c.noiseDim, dataset.sample)
    const samples = await generate.run(state.params, noise)
    state.evals.push({ step: state.step, metrics: await evaluate(samples, data, dataset.mixture) })
    write(`samples-step${state.step}.png`, scatterPlot({ data, samples, frame, title: `${title} step ${state.step}` }))
    writeMetrics()
  }
  const checkpoint = () => {
    flush()
    saveCheckpoint(out, { config: c, backend: o.backend, state })
    write('loss.png', lossPlot(state.losses, `${title} loss`))
    return checkpointPath(out)
  }

  if (toPlot.has(state.step)) await evaluateNow()
  await trainLoop({
    from: state.step,
    to: c.steps,
    checkpointEvery: c.checkpointEvery,
    progress: o.progress(state.step),
    checkpoint,
    after: async (done) => {
      if (toPlot.has(done)) await evaluateNow()
    },
    step: async (s) => {
      const { noise, data } = await drawBatch.run(key, index(s), c.batch, c.dataBatch, c.noiseDim, dataset.sample)
      const args = [state.params, state.adam, noise, data, c.tau, c.lr, field, c.beta1, c.beta2] as const
      const r = await trainStep.run(...args)
      const loss = r.loss.item()
      const params = r.params as LinearParams[]
      // the step has been computed: the run can write (a non-finite loss keeps what it wrote)
      flush()
      await stopIfNonFinite({
        step: s,
        loss,
        params,
        checkpointKept: () => findCheckpoint(out) !== undefined,
        explain: () => explainNonFinite(trainStep, ...args),
      })
      state.losses.push(loss)
      state = { ...state, step: s + 1, params, adam: r.state as Adam }
      return loss
    },
  })
  writeMetrics()
  flush()
  return state
}
