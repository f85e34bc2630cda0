/** stdlib/train/loop.ts: the stop on a non-finite loss or parameters, wherever in the parameter tree the value is. */
import { describe, expect, test } from 'vitest'
import { Tensor } from '../dsl/index.js'
import { NonFiniteLossError } from '../stdlib/train/errors.js'
import { stopIfNonFinite } from '../stdlib/train/loop.js'

const vec = (...v: number[]) => new Tensor(Float32Array.from(v), [v.length], 'f32')
const tree = (bad: number) => ({ blocks: [{ w: vec(1, 2) }, { w: vec(3, bad) }], out: { b: vec(0) } })
const stop = (loss: number, params: unknown) =>
  stopIfNonFinite({ step: 7, loss, params, checkpointKept: () => true, explain: async () => 'from here' })

describe('stopIfNonFinite', () => {
  test('finite loss and parameters: the run goes on', async () => {
    await expect(stop(0.5, tree(4))).resolves.toBeUndefined()
  })

  test('a NaN or ∞ deep in the parameter tree stops the run, naming the update', async () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const err = await stop(0.5, tree(bad)).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(NonFiniteLossError)
      expect((err as Error).message).toBe(
        'the update of step 7 made non-finite parameters: from here; stopped (the last checkpoint is kept)',
      )
    }
  })

  test('a non-finite loss stops the run, naming the loss', async () => {
    await expect(stop(NaN, tree(4))).rejects.toThrow(/^the loss of step 7 is NaN: from here; stopped/)
  })
})
