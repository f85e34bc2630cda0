/**
 * Counter-based random numbers. A key is an i32 scalar; element k of a draw is a pure function
 * of (key, k), so every backend and every run produces the same numbers, in any order.
 *   mix(x)        = lowbias32 integer hash (C. Wellons): a bijection on 32-bit words
 *   bits(key, k)  = mix(mix(k) ^ mix(key))
 *   uniform       = (bits >>> 8) · 2^-24 ∈ [0, 1)
 *   normal        = Box–Muller on bits(key, 2k) and bits(key, 2k+1)
 *   foldIn(key,d) = mix(key ^ mix(d + 0x9e3779b9))
 */
import { fill } from '../ndarray.js'
import { ShapeError, showShape } from '../shape.js'
import { definePrimitive, expectDType } from '../primitive.js'
import type { AVal } from '../types.js'

declare module '../types.js' {
  interface PrimParams {
    random_uniform: DrawParams
    random_normal: DrawParams
    random_int: Required<DrawParams>
    fold_in: NoParams
  }
}

export function mix(x: number): number {
  x ^= x >>> 16
  x = Math.imul(x, 0x7feb352d)
  x ^= x >>> 15
  x = Math.imul(x, 0x846ca68b)
  x ^= x >>> 16
  return x | 0
}
export const randomBits = (key: number, k: number): number => mix(mix(k) ^ mix(key))
export const foldIn = (key: number, d: number): number => mix(key ^ mix((d + 0x9e3779b9) | 0))
const unit = (bits: number) => (bits >>> 8) * 2 ** -24
export const uniformAt = (key: number, k: number) => unit(randomBits(key, k))
export function normalAt(key: number, k: number): number {
  const u1 = ((randomBits(key, 2 * k) >>> 8) + 0.5) * 2 ** -24
  const u2 = unit(randomBits(key, 2 * k + 1))
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}

const checkKey = (name: string, key: AVal) => {
  if (key.shape.length !== 0)
    throw new ShapeError(
      `${name}: a key is an i32 scalar, got shape ${showShape(key.shape)}`,
      'pass a key made by randomKey(seed) or foldIn',
    )
  expectDType(name, key, ['i32'], 'key')
}

export interface DrawParams {
  shape: number[]
  lo?: number
  hi?: number
}

definePrimitive({
  name: 'random_uniform',
  arity: 1,
  params: { shape: 'shape', lo: { optional: 'number' }, hi: { optional: 'number' } },
  fusion: 'host',
  infer: ([key], p) => (checkKey('randomUniform', key), [{ shape: p.shape, dtype: 'f32' }]),
  evaluate: ([key], p, precision) => [fill(p.shape, 'f32', precision, (k) => uniformAt(key.data[0], k))],
  printParams: (p) => `shape=${showShape(p.shape)}`,
})

definePrimitive({
  name: 'random_normal',
  arity: 1,
  params: { shape: 'shape', lo: { optional: 'number' }, hi: { optional: 'number' } },
  fusion: 'host',
  infer: ([key], p) => (checkKey('randomNormal', key), [{ shape: p.shape, dtype: 'f32' }]),
  evaluate: ([key], p, precision) => [fill(p.shape, 'f32', precision, (k) => normalAt(key.data[0], k))],
  printParams: (p) => `shape=${showShape(p.shape)}`,
})

definePrimitive({
  name: 'random_int',
  arity: 1,
  params: { shape: 'shape', lo: 'number', hi: 'number' },
  fusion: 'host',
  infer: ([key], p) => {
    checkKey('randint', key)
    if (!(p.hi > p.lo)) throw new ShapeError(`randint: empty range [${p.lo}, ${p.hi})`, 'use hi > lo')
    return [{ shape: p.shape, dtype: 'i32' }]
  },
  evaluate: ([key], p, precision) => [
    fill(p.shape, 'i32', precision, (k) => p.lo + Math.floor(uniformAt(key.data[0], k) * (p.hi - p.lo))),
  ],
  printParams: (p) => `shape=${showShape(p.shape)}, lo=${p.lo}, hi=${p.hi}`,
})

definePrimitive({
  name: 'fold_in',
  arity: 2,
  params: {},
  fusion: 'host',
  infer: ([key, d]) => {
    checkKey('foldIn', key)
    if (d.shape.length !== 0) throw new ShapeError('foldIn: the data must be a scalar', 'fold in one integer at a time')
    return [{ shape: [], dtype: 'i32' }]
  },
  evaluate: ([key, d], _p, precision) => [fill([], 'i32', precision, () => foldIn(key.data[0], d.data[0] | 0))],
})
