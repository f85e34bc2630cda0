/**
 * A number parameter left out by host code takes its default as a traced input, exactly like a
 * passed number (unless it is declared static): the results are the same float32 bits either way,
 * on the float32 interpreter and on wasm. Folding the default as a constant would not be.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { randomKey, setBackend, tensor, type Mat, type Tensor } from '../dsl/index.js'
import { currentBackend } from '../compiler/runtime/backend.js'
import { decay, decayStatic, scaled } from './fixtures/defaults.js'
import { randn, rng } from './helpers.js'
import { initGenerator } from '../stdlib/toy2d/init.js'
import { adamInit, type AdamState } from '../stdlib/optim/adam.js'
import type { LinearParams } from '../stdlib/nn/linear.js'
import { trainStep } from '../stdlib/toy2d/step.js'
import { paperField } from '../stdlib/fields/paper.js'

const SEED = 20260
beforeAll(() => {
  process.env.DRIFT_CACHE = 'off'
})

const host = (shape: number[], r: () => number) => tensor(Float32Array.from(randn(shape, r).data), shape) as Mat
/** The float32 bit patterns of a result, so +0/−0 and NaNs compare exactly. */
const bits = (t: Tensor) => Array.from(new Uint32Array(Float32Array.from(t.data).buffer))

describe(`a left-out number default is a traced input (seed ${SEED})`, { timeout: 180_000 }, () => {
  const x = host([6, 9], rng(SEED))

  test('the lowering lists b as an input, passed or not; declared static, it folds', async () => {
    expect((await decay.lower(x)).graph.inputNames).toEqual(['x', 'b'])
    expect((await decay.lower(x, 0.9)).graph.inputNames).toEqual(['x', 'b'])
    expect((await decayStatic.lower(x)).graph.inputNames).toEqual(['x'])
  })

  test.each(['interpreter', 'wasm'])('%s: leaving b out gives the bits of passing 0.9', async (backend) => {
    setBackend(backend)
    expect(currentBackend()).toBe(backend)
    const left = bits(await decay.run(x))
    expect(left).toEqual(bits(await decay.run(x, 0.9)))
    expect(left).toEqual(bits(await decay.run(x, undefined)))
    // the comparison can fail: folding b (declared static) rounds differently
    expect(bits(await decayStatic.run(x))).not.toEqual(left)
  })

  test.each(['interpreter', 'wasm'])(
    '%s: a toy training step with its default betas equals one passing 0.9 and 0.999',
    async (backend) => {
      setBackend(backend)
      const r = rng(SEED + 1)
      const params = await initGenerator.run(randomKey(3), [8, 16, 2], tensor([0, 0]) as never)
      const state = (await adamInit.run(params)) as AdamState<LinearParams[]>
      const noise = host([32, 8], r)
      const data = host([32, 2], r)
      const leaves = (o: { loss: Tensor; params: unknown }) => [
        ...bits(o.loss),
        ...(o.params as LinearParams[]).flatMap((p) => [...bits(p.w), ...bits(p.b)]),
      ]
      const args = [params, state, noise, data, 0.05, 1e-3, paperField] as const
      const left = await trainStep.run(...args)
      const passed = await trainStep.run(...args, 0.9, 0.999)
      expect(leaves(left)).toEqual(leaves(passed))
    },
  )
})

test('a parameter without a default that the caller leaves out is one D109 line at the parameter; an optional one may be left out', async () => {
  const x = host([2, 3], rng(SEED))
  // @ts-expect-error the types refuse it as well; a JavaScript caller gets the line
  await expect(scaled.run(x)).rejects.toThrow(
    /fixtures\/defaults\.ts:\d+:\d+: error D109 \(bad arguments\): parameter 'n' \(argument 2 of 3\) was not passed and has no default[\s\S]*fix: +pass n, or give it a default/,
  )
  // @ts-expect-error as above
  await expect(decay.run()).rejects.toThrow(/parameter 'x' \(argument 1 of 2\) was not passed/)
  expect(Array.from((await scaled.run(x, 2)).data)).toEqual(Array.from(x.data).map((v) => Math.fround(v * 2)))
})
