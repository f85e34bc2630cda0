/** The counter-based host RNG, the per-step sampler and the sample queue: determinism, counts, FIFO order, resumption. */
import { describe, expect, test } from 'vitest'
import { CounterRng, hash4 } from '../stdlib/data/counterRng.js'
import { drawClasses, drawUnconditional, type Labelled } from '../stdlib/data/sampler.js'
import { PUSH_SIZE, SampleQueue } from '../stdlib/data/queue.js'
import { DataError } from '../stdlib/io/errors.js'

/** 1000 samples, 100 per class: sample i has label (7·i) mod 10. */
const LABELS = Uint8Array.from({ length: 1000 }, (_, i) => (7 * i) % 10)
const SET: Labelled = {
  n: LABELS.length,
  byClass: Array.from({ length: 10 }, (_, c) => Int32Array.from(LABELS.keys()).filter((i) => LABELS[i] === c)),
}
const labelsOf = (indices: ArrayLike<number>) => Array.from(indices, (i) => LABELS[i])
const distinct = (xs: ArrayLike<number>) => new Set(Array.from(xs)).size === xs.length

describe('counter-based RNG', () => {
  test('hash4 is MurmurHash3 (x86, 32-bit, seed 0) of the four words as 16 little-endian bytes', () => {
    // reference values from an independent implementation that gives mmh3('test') = 0xba6bd213
    expect(hash4(0, 0, 0, 0)).toBe(0x8134cdf8)
    expect(hash4(1, 2, 3, 4)).toBe(0x4445ad00)
    expect(hash4(7, 100, 3, 12345)).toBe(0x742cdd62)
    expect(hash4(2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1)).toBe(0xe519346e)
  })

  test('below(n) is uniform: 100 000 draws of below(10) and below(3) land within 5% of the expected counts', () => {
    for (const [seed, n] of [
      [11, 10],
      [12, 3],
    ]) {
      const rng = new CounterRng(seed, 0, 0)
      const counts = new Array<number>(n).fill(0)
      for (let k = 0; k < 100_000; k++) counts[rng.below(n)]++
      for (const c of counts)
        expect(Math.abs(c / (100_000 / n) - 1), `seed ${seed}, counts ${counts}`).toBeLessThan(0.05)
    }
  })

  test('distinct(n, k): k different values, every one reachable, a pure function of (seed, step, stream, counter)', () => {
    const seen = new Set<number>()
    for (let step = 0; step < 200; step++) {
      const d = new CounterRng(5, step, 1).distinct(50, 10)
      expect(distinct(d), `step ${step}`).toBe(true)
      d.forEach((v) => seen.add(v))
    }
    expect(seen.size).toBe(50)
    const a = new CounterRng(5, 3, 1, 17)
    expect(Array.from(a.distinct(1000, 20))).toEqual(Array.from(new CounterRng(5, 3, 1, 17).distinct(1000, 20)))
    expect(CounterRng.restore(a.state()).u32()).toBe(a.u32())
    expect(() => new CounterRng(-1, 0, 0)).toThrow(/seed must be an integer in \[0, 2\^32\), got -1/)
    expect(() => a.distinct(5, 6)).toThrow(/cannot draw 6 distinct values from 5/)
  })
})

describe('per-step sampler', () => {
  test('a pure function of (seed, step): the same draw again, another for the next step or seed', () => {
    const draw = (seed: number, step: number) => drawClasses(SET, seed, step, 4, 16)
    expect(draw(3, 10)).toEqual(draw(3, 10))
    expect(draw(3, 11).indices).not.toEqual(draw(3, 10).indices)
    expect(draw(4, 10).indices).not.toEqual(draw(3, 10).indices)
    expect(drawUnconditional(SET, 3, 10, 64)).toEqual(drawUnconditional(SET, 3, 10, 64))
    expect(drawUnconditional(SET, 3, 11, 64)).not.toEqual(drawUnconditional(SET, 3, 10, 64))
  })

  test('N_c distinct classes, N distinct samples of each class, N distinct unconditional samples', () => {
    for (let step = 0; step < 50; step++) {
      const { classes, indices } = drawClasses(SET, 9, step, 4, 16)
      expect(classes.length).toBe(4)
      expect(distinct(classes), `step ${step}`).toBe(true)
      expect(indices.length).toBe(64)
      classes.forEach((c, k) => {
        const mine = indices.subarray(16 * k, 16 * (k + 1))
        expect(distinct(mine), `step ${step} class ${c}`).toBe(true)
        expect(
          labelsOf(mine).every((l) => l === c),
          `step ${step} class ${c}`,
        ).toBe(true)
      })
      const u = drawUnconditional(SET, 9, step, 64)
      expect(u.length).toBe(64)
      expect(distinct(u) && u.every((i) => i >= 0 && i < SET.n), `step ${step}`).toBe(true)
    }
  })

  test('over 500 steps every class is drawn about equally often (200 ± 25%)', () => {
    const counts = new Array<number>(10).fill(0)
    for (let step = 0; step < 500; step++) drawClasses(SET, 21, step, 4, 1).classes.forEach((c) => counts[c]++)
    for (const c of counts) expect(Math.abs(c / 200 - 1), `seed 21, counts ${counts}`).toBeLessThan(0.25)
  })

  test('asking for more samples of a class than it has is refused', () => {
    expect(() => drawClasses(SET, 0, 0, 2, 101)).toThrow(
      /101 distinct samples per class asked, the smallest class \(0\) has 100/,
    )
    expect(() => drawClasses(SET, 0, 0, 11, 1)).toThrow(/cannot draw 11 distinct values from 10/)
  })
})

describe('sample queue', () => {
  const small = () => SampleQueue.create({ classes: 3, seed: 1, perClassCapacity: 4, globalCapacity: 6 })

  test('first in, first out: each queue keeps its newest entries, oldest first, up to its capacity', () => {
    const q = small()
    q.push([10, 11, 12, 13, 14], [0, 1, 0, 0, 2])
    expect(q.state().perClass).toEqual([[10, 12, 13], [11], [14]])
    expect(q.state().global).toEqual([10, 11, 12, 13, 14])
    q.push([20, 21, 22], [0, 0, 1])
    expect(q.state().perClass).toEqual([[12, 13, 20, 21], [11, 22], [14]]) // 10 evicted from class 0
    expect(q.state().global).toEqual([12, 13, 14, 20, 21, 22]) // 10 and 11 evicted
    expect(q.state().lastLabels).toEqual([0, 0, 1])
    expect([q.size(0), q.size(1), q.size(2), q.size()]).toEqual([4, 2, 1, 6])
  })

  test('draws without replacement when the queue holds enough, with replacement when it is short', () => {
    const q = SampleQueue.create({ classes: 10, seed: 2 })
    for (let step = 0; step < 5; step++) {
      const idx = Array.from({ length: PUSH_SIZE }, (_, i) => PUSH_SIZE * step + i) // distinct indices
      q.push(idx, labelsOf(idx))
    }
    const held = new Set(q.state().global)
    expect(held.size).toBe(5 * PUSH_SIZE)
    const many = q.sample(300)
    expect(distinct(many)).toBe(true)
    expect(Array.from(many).every((i) => held.has(i))).toBe(true)
    const c = q.state().perClass.findIndex((m) => m.length >= 3 && m.length < 40)
    const short = q.sample(40, c)
    expect(short.length).toBe(40)
    expect(labelsOf(short).every((l) => l === c)).toBe(true)
    expect(distinct(short)).toBe(false) // 40 from fewer than 40: repeats
    expect(new Set(Array.from(short)).size).toBeGreaterThan(1)
    expect(() => SampleQueue.create({ classes: 3, seed: 0 }).sample(1, 2)).toThrow(/queue of class 2 is empty/)
  })

  test("the step's classes are distinct labels of the last pushed batch", () => {
    const q = small()
    q.push([1, 2, 3, 4, 5, 6], [2, 2, 0, 2, 0, 0])
    for (let k = 0; k < 20; k++) {
      const cs = q.stepClasses(2)
      expect(Array.from(cs).sort()).toEqual([0, 2])
    }
    expect(() => q.stepClasses(3)).toThrow(/3 classes asked, the last pushed batch holds 2/)
  })

  test('a push refuses what a saved state could not hold (indices beyond int32, labels outside the classes) and changes nothing then', () => {
    const q = small()
    q.push([7], [1])
    const before = q.state()
    expect(() => q.push([2 ** 31], [0])).toThrow(/SampleQueue\.push: bad index 2147483648 at 0/)
    expect(() => q.push([1, -1], [0, 0])).toThrow(/bad index -1 at 1/)
    expect(() => q.push([1, 2], [0, 3])).toThrow(/label 3 at 1 is outside 0\.\.2/)
    expect(q.state(), 'the queues after the refused pushes').toEqual(before)
    q.push([2 ** 31 - 1], [0])
    expect(() => SampleQueue.restore(q.state(), 'run.safetensors')).not.toThrow()
  })

  test('a run resumed from the saved state (through JSON) draws bit for bit what the uninterrupted one draws', () => {
    const run = (q: SampleQueue, from: number, to: number) => {
      const draws: number[][] = []
      for (let step = from; step < to; step++) {
        const idx = drawUnconditional(SET, 7, step, PUSH_SIZE)
        q.push(idx, labelsOf(idx))
        const classes = q.stepClasses(4)
        draws.push(Array.from(classes), ...Array.from(classes, (c) => Array.from(q.sample(32, c))))
        draws.push(Array.from(q.sample(16)))
      }
      return draws
    }
    const whole = run(SampleQueue.create({ classes: 10, seed: 7 }), 0, 40)
    const first = SampleQueue.create({ classes: 10, seed: 7 })
    const before = run(first, 0, 25)
    const saved = JSON.stringify(first.state())
    const after = run(SampleQueue.restore(JSON.parse(saved), 'run.safetensors'), 25, 40)
    expect([...before, ...after]).toEqual(whole)
    expect(first.state().perClass.every((m) => m.length === 128)).toBe(true) // full queues were evicting
  })

  test('a bad saved state is refused with one line naming its source', () => {
    const good = small().state()
    const bad: [unknown, RegExp][] = [
      [null, /not an object/],
      [{ ...good, classes: 0 }, /classes is not a positive integer/],
      [{ ...good, perClass: [[1], [2]] }, /perClass should list 3 queues/],
      [{ ...good, perClass: [[1, 2, 3, 4, 5], [], []] }, /the queue of class 0 is not a list of at most 4 indices/],
      [{ ...good, global: [1.5] }, /the global queue is not a list/],
      [{ ...good, lastLabels: [3] }, /lastLabels is not a list of labels in 0\.\.2/],
      [{ ...good, rng: { ...good.rng, stream: 0 } }, /rng is not a counter state of the queue stream/],
      [{ ...good, extra: 1 }, /unexpected keys/],
    ]
    for (const [state, message] of bad) {
      let error: unknown
      try {
        SampleQueue.restore(state, 'ck.safetensors')
      } catch (e) {
        error = e
      }
      expect(error, JSON.stringify(state)).toBeInstanceOf(DataError)
      expect((error as Error).message).toMatch(/^ck\.safetensors: bad sample queue state: /)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).not.toContain('\n')
    }
  })
})
