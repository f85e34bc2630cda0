/**
 * The host API boundary: a tensor's shape, dtype and data, the number of arguments of a compiled
 * function and the values it is given are checked where they enter, each with one line saying
 * what is wrong and the fix. What a program makes of edge cases is the same on every backend
 * that runs here: indices outside a gathered table are clamped to it, atan2(±0, ±0) is Math.atan2's.
 */
import { afterAll, describe, expect, test } from 'vitest'
import { Tensor, tensor, setBackend, type Mat, type Vec } from '../dsl/index.js'
import { probeWebGPU } from '../compiler/backend/webgpu/adapter.js'
import { REQUIRE_GPU } from './gpu.js'
import { angle, double, emptyBatch, pairwise, rows } from './fixtures/boundary.js'
import { ROOT } from './helpers.js'

describe('a tensor is checked when it is made', () => {
  test.each([
    [
      'a negative dimension',
      () => new Tensor(new Float32Array(2), [-1, -2], 'f32'),
      /has -1 at axis 0; each dimension must be a non-negative integer/,
    ],
    ['a fractional dimension', () => new Tensor(new Float32Array(5), [2.5, 2], 'f32'), /has 2\.5 at axis 0/],
    ['NaN as a dimension', () => new Tensor(new Float32Array(0), [NaN], 'f32'), /has NaN at axis 0/],
    ['a dimension as a string', () => new Tensor(new Float32Array(2), ['2' as never], 'f32'), /has '2' at axis 0/],
    [
      'a shape that is not a list',
      () => new Tensor(new Float32Array(2), 2 as never, 'f32'),
      /tensor shape 2 is not a list/,
    ],
    [
      'more elements than a tensor holds',
      () => new Tensor(new Float32Array(0), [2 ** 30, 2 ** 30, 2 ** 30], 'f32'),
      /more elements than a tensor can hold/,
    ],
    [
      "dtype 'f64'",
      () => new Tensor(new Float32Array(2), [2], 'f64' as never),
      /tensor dtype 'f64' is not one of 'f32', 'i32', 'bool'/,
    ],
    ["dtype 'float32'", () => tensor([1, 2], [2], 'float32' as never), /tensor dtype 'float32' is not one of/],
    [
      'data that is a plain list',
      () => new Tensor([1, 2] as never, [2], 'f32'),
      /tensor data is a list; pass a Float32Array/,
    ],
    ['too few elements', () => tensor([1, 2, 3], [2, 2]), /tensor data has 3 elements but shape \[2,2\] needs 4/],
  ])('%s is refused in one line', (_, make, message) => {
    expect(make).toThrow(message)
    try {
      make()
    } catch (e) {
      expect((e as Error).message).not.toContain('\n')
    }
  })

  test('a tensor keeps its own copy of the shape it was given', () => {
    const shape = [2, 2]
    const t = new Tensor(new Float32Array(4), shape, 'f32')
    shape[0] = 100
    expect(t.shape).toEqual([2, 2])
  })

  test('an empty tensor is a tensor', () => {
    expect(new Tensor(new Float32Array(0), [0, 3], 'f32').size).toBe(0)
  })
})

describe('a compiled function checks its arguments', () => {
  const x = tensor([[1, 2]]) as Mat

  test('an extra argument is refused, naming the function and the count', async () => {
    await expect((double.run as (...a: unknown[]) => Promise<unknown>)(x, x)).rejects.toThrow(
      /^the DSL function defined at test\/fixtures\/boundary\.ts:3 takes 1 argument, it was called with 2; remove the extra ones$/,
    )
  })

  test('a tensor that lies about its shape is refused before compiling', async () => {
    const fake = Object.assign(Object.create(Tensor.prototype) as Mat, {
      shape: [-1, 2],
      dtype: 'f32',
      data: new Float32Array(2),
    })
    await expect(double.run(fake)).rejects.toThrow(/^argument 'x': tensor shape \[-1, 2\] has -1 at axis 0/)
  })

  test.each([NaN, Infinity, -Infinity])('an input holding %s is refused on run and reference', async (bad) => {
    const held = tensor([[1, bad]]) as Mat
    const message = `argument 'x' holds ${bad} at element 1: inputs must be finite (mask with where(...) or a large finite value instead)`
    await expect(double.run(held)).rejects.toThrow(message)
    await expect(double.reference(held)).rejects.toThrow(message)
  })
})

/** drift's webgpu backend where Dawn finds an adapter; with DRIFT_REQUIRE_GPU=1 always (a missing one fails). */
const GPU = REQUIRE_GPU || probeWebGPU(ROOT) !== undefined
if (!GPU)
  process.stderr.write(
    '\n*** host-boundary tests on webgpu: SKIPPED — Dawn finds no adapter. Set DRIFT_REQUIRE_GPU=1 to make this a failure. ***\n\n',
  )
const BACKENDS = [...['interpreter', 'wasm', 'cpu', 'webasm'], ...(GPU ? ['webgpu'] : [])]
afterAll(() => setBackend('auto'))

describe.each(BACKENDS)('on the %s backend', (backend) => {
  test('indices outside a gathered table read its first or last row, as in the reference', async () => {
    setBackend(backend)
    const table = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]) as Mat
    const idx = tensor([-5, -1, 0, 2, 3, 1000], [6], 'i32') as Tensor<[number], 'i32'>
    const want = [1, 2, 1, 2, 1, 2, 5, 6, 5, 6, 5, 6]
    expect(Array.from((await rows.reference(table, idx)).data)).toEqual(want)
    expect(Array.from((await rows.run(table, idx)).data)).toEqual(want)
  })

  test('an empty batch (N = 0) gives empty results, and sums of nothing are 0, as in the reference', async () => {
    setBackend(backend)
    const x = new Tensor(new Float32Array(0), [0, 3], 'f32') as Mat
    const y = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]) as Mat
    const w = tensor([
      [1, 0],
      [0, 1],
      [1, 1],
    ]) as Mat
    const want = await emptyBatch.reference(x, y, w)
    const got = await emptyBatch.run(x, y, w)
    const shapes = (r: typeof got) => Object.fromEntries(Object.entries(r).map(([k, t]) => [k, [...t.shape]]))
    expect(shapes(got)).toEqual({
      scaled: [0, 3],
      colSums: [3],
      projected: [0, 2],
      distances: [0, 2],
      weights: [2, 0],
    })
    expect(shapes(got)).toEqual(shapes(want))
    expect(Array.from(got.colSums.data)).toEqual([0, 0, 0])
  })

  test('a 200 000 × 200 000 cdist is refused before anything is allocated, naming the largest buffer', async () => {
    setBackend(backend)
    const points = new Tensor(new Float32Array(400_000), [200_000, 2], 'f32') as Mat
    // on webgpu, fusion refuses first: no kernel may write more than one binding holds
    const message =
      backend === 'webgpu'
        ? /^fusion: kernel k_\w+ writes 40000000000 elements, more than the \d+ one buffer holds/
        : new RegExp(
            `^this run needs 149\\.0 GiB of buffers at once on the ${backend === 'interpreter' ? 'f32 interpreter' : backend} ` +
              'backend, more than its limit of \\d+\\.\\d GiB; the largest is .*f32\\[200000,200000\\] \\(149\\.0 GiB\\): run smaller batches or shapes$',
          )
    await expect(pairwise.run(points, points)).rejects.toThrow(message)
  })

  test('atan2 of signed zeros is what Math.atan2 gives', async () => {
    setBackend(backend)
    const ys = [0, 0, -0, -0, 1, 0]
    const xs = [0, -0, 0, -0, 0, 1]
    const want = ys.map((y, i) => Math.fround(Math.atan2(y, xs[i])))
    const got = await angle.run(tensor(ys) as Vec, tensor(xs) as Vec)
    expect(Array.from(got.data), 'atan2(y, x) for y = 0, 0, −0, −0, 1, 0 and x = 0, −0, 0, −0, 0, 1').toEqual(want)
  })
})
