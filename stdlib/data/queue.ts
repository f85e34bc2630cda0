/**
 * The paper's sample queue (host code, MoCo-like): recent real samples, as data set indices, in
 * one first-in-first-out queue per class (128 each) and one global queue (1000). Each training
 * step pushes the latest 64 real samples of the data stream with their labels; the step's classes
 * are a random subset of the labels of that batch, and its positives (and unconditional samples)
 * are drawn from the queues: without replacement when a queue holds enough, with replacement
 * otherwise. The whole state is plain integer arrays and the RNG's counters, so a resumed run
 * continues bit for bit.
 */
import { DataError } from '../io/errors.js'
import { CounterRng, STREAMS, type RngState } from './counterRng.js'

export const QUEUE_CAPACITY = { perClass: 128, global: 1000 } as const
/** real samples pushed per step */
export const PUSH_SIZE = 64

export interface QueueState {
  classes: number
  perClassCapacity: number
  globalCapacity: number
  /** perClass[c]: the queued indices of class c, oldest first */
  perClass: number[][]
  /** the globally queued indices, oldest first */
  global: number[]
  /** the labels of the last pushed batch, in push order */
  lastLabels: number[]
  /** the draws of the current step: stream `queue`, step = the number of pushes so far */
  rng: RngState
}

export interface QueueOptions {
  classes: number
  seed: number
  perClassCapacity?: number
  globalCapacity?: number
}

/** A data set index: stored in Int32Arrays when drawn. */
const isIndex = (v: number) => Number.isInteger(v) && v >= 0 && v < 2 ** 31

/** Append `items` to `queue`, then drop the oldest beyond `capacity`. */
function pushFifo(queue: number[], capacity: number, ...items: number[]): void {
  queue.push(...items)
  if (queue.length > capacity) queue.splice(0, queue.length - capacity)
}

export class SampleQueue {
  private constructor(private s: QueueState) {}

  static create(o: QueueOptions): SampleQueue {
    const perClassCapacity = o.perClassCapacity ?? QUEUE_CAPACITY.perClass
    const globalCapacity = o.globalCapacity ?? QUEUE_CAPACITY.global
    for (const [name, v] of Object.entries({ classes: o.classes, perClassCapacity, globalCapacity }))
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`SampleQueue: ${name} must be a positive integer, got ${v}`)
    return new SampleQueue({
      classes: o.classes,
      perClassCapacity,
      globalCapacity,
      perClass: Array.from({ length: o.classes }, () => []),
      global: [],
      lastLabels: [],
      rng: new CounterRng(o.seed, 0, STREAMS.queue).state(),
    })
  }

  /** Push a step's real samples: indices[i] has label labels[i]. This starts the next step's draws. */
  push(indices: ArrayLike<number>, labels: ArrayLike<number>): void {
    if (indices.length !== labels.length)
      throw new RangeError(`SampleQueue.push: ${indices.length} indices but ${labels.length} labels`)
    // every pair checked before any is pushed: a refused batch leaves the queues as they were
    for (let i = 0; i < indices.length; i++) {
      const [index, label] = [indices[i], labels[i]]
      if (!isIndex(index)) throw new RangeError(`SampleQueue.push: bad index ${index} at ${i}`)
      if (!Number.isInteger(label) || label < 0 || label >= this.s.classes)
        throw new RangeError(`SampleQueue.push: label ${label} at ${i} is outside 0..${this.s.classes - 1}`)
    }
    for (let i = 0; i < indices.length; i++) {
      pushFifo(this.s.perClass[labels[i]], this.s.perClassCapacity, indices[i])
      pushFifo(this.s.global, this.s.globalCapacity, indices[i])
    }
    this.s.lastLabels = Array.from(labels)
    this.s.rng = new CounterRng(this.s.rng.seed, this.s.rng.step + 1, STREAMS.queue).state()
  }

  /** How many batches were pushed so far. */
  pushes(): number {
    return this.s.rng.step
  }

  /** The distinct labels of the last pushed batch. */
  lastClasses(): number {
    return new Set(this.s.lastLabels).size
  }

  /** How many indices the queue of class `cls` holds (the global queue without `cls`). */
  size(cls?: number): number {
    return this.queue(cls).length
  }

  /** n indices from the queue of class `cls` (the global queue without `cls`). */
  sample(n: number, cls?: number): Int32Array {
    const q = this.queue(cls)
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`SampleQueue.sample: n must be a count, got ${n}`)
    if (q.length === 0) throw new RangeError(`SampleQueue.sample: the ${this.name(cls)} is empty: push samples first`)
    return this.draw((rng) =>
      q.length >= n
        ? rng.distinct(q.length, n).map((j) => q[j])
        : Int32Array.from({ length: n }, () => q[rng.below(q.length)]),
    )
  }

  /** The step's classes: k distinct labels of the last pushed batch, in random order. */
  stepClasses(k: number): Int32Array {
    const labels = [...new Set(this.s.lastLabels)]
    if (!Number.isInteger(k) || k < 0 || k > labels.length)
      throw new RangeError(`SampleQueue.stepClasses: ${k} classes asked, the last pushed batch holds ${labels.length}`)
    return this.draw((rng) => rng.distinct(labels.length, k).map((j) => labels[j]))
  }

  /** A copy of the state: plain arrays and numbers (JSON-able). */
  state(): QueueState {
    return structuredClone(this.s)
  }

  /** The queue from a saved state, checked; `source` (a file) is named in the DataError of a bad one. */
  static restore(state: unknown, source: string): SampleQueue {
    const problem = queueStateProblem(state)
    if (problem) throw new DataError(`${source}: bad sample queue state: ${problem}`)
    return new SampleQueue(structuredClone(state as QueueState))
  }

  private queue(cls: number | undefined): number[] {
    if (cls === undefined) return this.s.global
    if (!Number.isInteger(cls) || cls < 0 || cls >= this.s.classes)
      throw new RangeError(`SampleQueue: class ${cls} is outside 0..${this.s.classes - 1}`)
    return this.s.perClass[cls]
  }

  private name(cls: number | undefined): string {
    return cls === undefined ? 'global queue' : `queue of class ${cls}`
  }

  private draw<T>(f: (rng: CounterRng) => T): T {
    const rng = CounterRng.restore(this.s.rng)
    const out = f(rng)
    this.s.rng = rng.state()
    return out
  }
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const isWord = (v: unknown) => isCount(v) && v < 2 ** 32
const counts = (v: unknown, below: number) => Array.isArray(v) && v.every((x) => isCount(x) && x < below)

/** What is wrong with a saved queue state, or undefined when it is a valid one. */
function queueStateProblem(v: unknown): string | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'not an object'
  const s = v as Partial<Record<keyof QueueState, unknown>>
  for (const k of ['classes', 'perClassCapacity', 'globalCapacity'] as const)
    if (!isCount(s[k]) || s[k] === 0) return `${k} is not a positive integer`
  const { classes, perClassCapacity, globalCapacity } = s as QueueState
  if (!Array.isArray(s.perClass) || s.perClass.length !== classes) return `perClass should list ${classes} queues`
  const over = s.perClass.findIndex((q) => !counts(q, 2 ** 31) || q.length > perClassCapacity)
  if (over >= 0) return `the queue of class ${over} is not a list of at most ${perClassCapacity} indices`
  if (!counts(s.global, 2 ** 31) || (s.global as number[]).length > globalCapacity)
    return `the global queue is not a list of at most ${globalCapacity} indices`
  if (!counts(s.lastLabels, classes)) return `lastLabels is not a list of labels in 0..${classes - 1}`
  const rng = s.rng as Partial<RngState> | undefined
  if (
    !rng ||
    !['seed', 'step', 'counter'].every((k) => isWord(rng[k as keyof RngState])) ||
    rng.stream !== STREAMS.queue
  )
    return 'rng is not a counter state of the queue stream'
  const keys = Object.keys(s).sort().join()
  if (keys !== 'classes,global,globalCapacity,lastLabels,perClass,perClassCapacity,rng')
    return `unexpected keys (${keys})`
  return undefined
}
