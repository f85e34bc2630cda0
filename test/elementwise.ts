import { expect } from 'vitest'

/**
 * Every element within rtol of the reference, relative to its own size, with an absolute floor of
 * `floor`·scale, scale = max|want| unless given (elements that cancel to near 0 carry the rounding
 * of their large terms). With rtol 1e-4 and floor 1e-2 (the float32 kernels' checks), a 1% error
 * fails on every element above 1e-4·scale.
 */
export function expectElementwise(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  floor: number,
  what: string,
  scale = maxAbs(want),
) {
  expect(got.length, `${what}: length`).toBe(want.length)
  for (let i = 0; i < want.length; i++) {
    const bound = rtol * (Math.abs(want[i]) + floor * scale)
    if (!(Math.abs(got[i] - want[i]) <= bound))
      throw new Error(
        `${what}: element ${i} is ${got[i]}, the reference ${want[i]} (allowed ±${bound.toExponential(2)})`,
      )
  }
}

export function maxAbs(xs: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]))
  return m
}
