import { expect, test } from 'vitest'
import { paperField } from '../stdlib/fields/paper.js'
import { tensor } from '../dsl/index.js'

test('paperField runs through dsl().run', async () => {
  const x = tensor(new Float32Array(8).map(() => Math.random()), [4, 2])
  const pos = tensor(new Float32Array(10).map(() => Math.random()), [5, 2])
  const v = await paperField.run(x, pos, x, 0.05)
  expect(v.shape).toEqual([4, 2])
  const low = await paperField.lower(x, pos, x, 0.05)
  expect(low.text).toContain('paper.ts')
})
