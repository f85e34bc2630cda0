/**
 * The random inputs of a toy run, each drawn from its own stream of the run's key
 * randomKey(seed): a pure function of (seed, stream, step), so a resumed run sees exactly the
 * batches of an uninterrupted one, and evaluation never disturbs training.
 */
import { dsl, foldIn, randomNormal, splitKey, type Key, type Mat, type Tensor } from '../../dsl/index.js'

/** A toy data set: `n` points [n, 2] drawn from a key (stdlib/toy2d/datasets.ts). */
export type Dataset = (key: Key, n: number) => Mat

/** An integer scalar (a step number) as a DSL value. */
export type Index = Tensor<[], 'i32'>

/** The streams of foldIn(randomKey(seed), stream). */
export const STREAMS = { init: 0, train: 1, eval: 2, sample: 3 } as const

/** Training step `step`: noise ε ~ N(0, I) [nGen, noiseDim] and nData data points, from foldIn(foldIn(key, train), step). */
export const drawBatch = dsl(
  (
    key: Key,
    step: Index,
    nGen: number,
    nData: number,
    noiseDim: number,
    dataset: Dataset,
  ): { noise: Mat; data: Mat } => {
    const [kNoise, kData] = splitKey(foldIn(foldIn(key, STREAMS.train), step), 2)
    return { noise: randomNormal(kNoise, [nGen, noiseDim]), data: dataset(kData, nData) }
  },
  { static: ['nGen', 'nData', 'noiseDim'] },
)

/** The evaluation after step `step`: n noise vectors and n fresh data points, from the eval stream. */
export const drawEval = dsl(
  (key: Key, step: Index, n: number, noiseDim: number, dataset: Dataset): { noise: Mat; data: Mat } => {
    const [kNoise, kData] = splitKey(foldIn(foldIn(key, STREAMS.eval), step), 2)
    return { noise: randomNormal(kNoise, [n, noiseDim]), data: dataset(kData, n) }
  },
  { static: ['n', 'noiseDim'] },
)

/** n noise vectors for `drift sample`, from the sample stream of randomKey(seed). */
export const drawNoise = dsl(
  (key: Key, n: number, noiseDim: number): Mat => randomNormal(foldIn(key, STREAMS.sample), [n, noiseDim]),
  {
    static: ['n', 'noiseDim'],
  },
)
