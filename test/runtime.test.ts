/** dsl() from host code: compile on first call, the jit cache (memory and disk), pytrees, errors. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { grad, tensor, valueAndGrad, vjp, type Mat } from '../dsl/index.js'
import { cacheKey, cacheStats, clearMemoryCache, lookup, store } from '../compiler/runtime/cache.js'
import { affine, affineLoss, applyTwice, double, powerSum, scaleTree, scaled, tinyLiteral } from './fixtures/runtime.js'
import { expectClose, lower, rootPath, T } from './helpers.js'
import { float64Tolerance } from './tolerance.js'

beforeAll(() => {
  process.env.DRIFT_CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-cache-'))
  delete process.env.DRIFT_CACHE
})

const mat = (rows: number, cols: number, f = (i: number) => i) =>
  tensor(
    Float32Array.from({ length: rows * cols }, (_, i) => f(i)),
    [rows, cols],
  ) as Mat
const compiles = () => cacheStats.compiles

describe('the jit cache', () => {
  test('a second call with the same shapes compiles nothing; a new scalar value neither', async () => {
    const x = mat(2, 3)
    const before = compiles()
    expect(Array.from((await scaled.run(x, 2)).data)).toEqual([0, 2, 4, 6, 8, 10])
    expect(compiles()).toBe(before + 1)
    expect(Array.from((await scaled.run(x, 3)).data)).toEqual([0, 3, 6, 9, 12, 15])
    expect(compiles()).toBe(before + 1)
    await scaled.run(mat(4, 3), 3)
    expect(compiles()).toBe(before + 2)
  })

  test('a static parameter is part of the signature', async () => {
    const x = mat(1, 2, () => 1)
    const before = compiles()
    expect(Array.from((await powerSum.run(x, 3)).data)).toEqual([3, 3])
    expect(Array.from((await powerSum.run(x, 5)).data)).toEqual([5, 5])
    expect(Array.from((await powerSum.run(x, 3)).data)).toEqual([3, 3])
    expect(compiles()).toBe(before + 2)
  })

  test('a fresh process (empty memory) reads the disk cache instead of compiling', async () => {
    const x = mat(3, 3)
    await scaled.run(x, 1)
    clearMemoryCache()
    const { compiles: c0, diskHits: d0 } = { ...cacheStats }
    expect(Array.from((await scaled.run(x, 4)).data)).toEqual(Array.from({ length: 9 }, (_, i) => 4 * i))
    expect(cacheStats.compiles).toBe(c0)
    expect(cacheStats.diskHits).toBe(d0 + 1)
  })

  test('a disk entry is stale once a source file it was compiled from changes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-src-'))
    const src = path.join(dir, 'f.ts')
    fs.writeFileSync(src, 'export const a = 1\n')
    const spec = { ...lower(rootPath('test/fixtures/runtime.ts'), 'double', [T([2, 2])]), files: [src] }
    const key = cacheKey({ test: 'stale', dir })
    store(key, spec)
    clearMemoryCache()
    expect(lookup(key)?.graph, 'the stored graph comes back').toEqual(spec.graph)
    clearMemoryCache()
    fs.writeFileSync(src, 'export const a = 2\n')
    expect(lookup(key)).toBeUndefined()
  })
})

describe('calling DSL functions from host code', () => {
  test('pytree parameters and results come back as nested objects', async () => {
    const w = mat(2, 2, (i) => (i === 0 || i === 3 ? 1 : 0))
    const b = tensor([[10, 20]]) as Mat
    const r = await affine.run({ w, b }, mat(3, 2))
    expect(r.note).toBe('affine')
    expect(r.y.toArray()).toEqual([
      [10, 21],
      [12, 23],
      [14, 25],
    ])
    expect(Array.from(r.rowSums.data)).toEqual([31, 35, 39])
  })

  test('grad and valueAndGrad of a DSL function, from host code, over pytree parameters', async () => {
    const w = mat(2, 3, (i) => (i - 2) / 4)
    const b = mat(1, 3, (i) => i / 10)
    const x = mat(4, 2, (i) => Math.sin(i))
    const [loss, g] = await valueAndGrad(affineLoss).reference({ w, b }, x)
    // by hand: y = xW + b, L = mean(y²), dL/dW = 2/(N·M) xᵀy, dL/db = 2/(N·M) Σ_rows y
    const y = [0, 1, 2, 3].map((r) =>
      [0, 1, 2].map((c) => x.data[2 * r] * w.data[c] + x.data[2 * r + 1] * w.data[3 + c] + b.data[c]),
    )
    const scale = 2 / 12
    // reference() runs in float64, like the loops here: the loss is a mean of squares (nothing cancels), the
    // gradients sums of at most 4 products (a floor of float64 roundings of the largest, where they cancel)
    expectClose([loss.item()], [y.flat().reduce((a, v) => a + v * v, 0) / 12], { rtol: 1e-12, atol: 0 }, 'loss')
    const dW = [0, 1].flatMap((k) =>
      [0, 1, 2].map((c) => scale * y.reduce((a, row, r) => a + x.data[2 * r + k] * row[c], 0)),
    )
    expectClose(g.w.data, dW, float64Tolerance(4, dW), 'dL/dW')
    const db = [0, 1, 2].map((c) => scale * y.reduce((a, row) => a + row[c], 0))
    expectClose(g.b.data, db, float64Tolerance(4, db), 'dL/db')
    const only = await grad(affineLoss).run({ w, b }, x)
    expect(only.w.shape).toEqual([2, 3])
    expect(Array.from(only.w.data).map((v) => Math.fround(v))).toEqual(Array.from(only.w.data))
  })

  test('numeric literals in exponent form keep their value (1e-8 is not 1)', async () => {
    const r = await tinyLiteral.reference(mat(1, 1))
    // two literals added in float64: one rounding (1e-8 read as 1 would be off by a factor of 4e6)
    expectClose(r.data, [1e-8 + 2.5e-7], { rtol: 1e-15, atol: 0 }, '1e-8 + 2.5e-7')
  })

  test('Object.entries / fromEntries map over a pytree at compile time', async () => {
    const r = await scaleTree.run({ a: mat(1, 2, () => 1), b: mat(2, 1, () => 2) }, 3)
    expect(Object.keys(r)).toEqual(['a', 'b'])
    expect(Array.from(r.a.data)).toEqual([3, 3])
    expect(Array.from(r.b.data)).toEqual([6, 6])
  })

  test('vjp from host code: the value, then a pullback for any cotangent', async () => {
    const x = mat(2, 2, (i) => i + 1)
    const [y, pullback] = await vjp(scaled, x, 3)
    expect(Array.from(y.data)).toEqual([3, 6, 9, 12])
    const [ctX, ctS] = await pullback(mat(2, 2, () => 1))
    expect(Array.from(ctX.data)).toEqual([3, 3, 3, 3])
    expect((ctS as unknown as Mat).item()).toBe(1 + 2 + 3 + 4)
  })

  test('a DSL function passed as an argument is specialized into the caller', async () => {
    const low = await applyTwice.lower(double, mat(2, 2))
    expect(low.graph.eqns.map((e) => e.prim)).toEqual(['mul', 'mul'])
    expect(Array.from((await applyTwice.run(double, mat(2, 2))).data)).toEqual([0, 4, 8, 12])
  })

  test('reference() runs in float64; run() rounds like a float32 device', async () => {
    const x = tensor(new Float32Array([0.1]), [1, 1]) as Mat
    const r64 = await scaled.reference(x, 0.1)
    const r32 = await scaled.run(x, 0.1)
    expect(r64.data).toBeInstanceOf(Float64Array)
    expect(r64.data[0]).toBe(Math.fround(0.1) * 0.1)
    expect(r32.data[0]).toBe(Math.fround(Math.fround(0.1) * Math.fround(0.1)))
  })

  test('calling a DSL function directly in host code explains what to do', () => {
    expect(() => (scaled as unknown as (x: Mat, s: number) => Mat)(mat(1, 1), 1)).toThrow(/await f\.run/)
  })

  test('a compile error surfaces as one diagnostic with the source location', async () => {
    await expect(affine.run({ w: mat(3, 3), b: mat(1, 3) }, mat(2, 2))).rejects.toThrow(
      /runtime\.ts:\d+:\d+: error D201 .*matmul/,
    )
  })

  test('unsupported host arguments are named', async () => {
    await expect(scaled.run(mat(1, 1), (() => 1) as unknown as number)).rejects.toThrow(
      /argument 's' is a plain JS function/,
    )
  })
})
