/**
 * exp, log and tanh inside WebAssembly (no call out to JavaScript), for f32 scalars and f32x4
 * lanes alike: Cephes single-precision range reductions and polynomials, within a few ulp of
 * the correctly rounded result over the normal range. Edge cases: NaN propagates, exp
 * underflows to 0 below −87.34 and overflows to ∞ above 88.72, log(0) = −∞, log(x < 0) = NaN,
 * log(∞) = ∞; subnormal results and inputs are flushed.
 */
import type { Lanes } from './lanes.js'

const LOG2E = 1.4426950408889634
const LN2_HI = 0.693359375
const LN2_LO = -2.1219444e-4
const EXP_POLY = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]
const LOG_POLY = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
]
const TANH_POLY = [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1]

/** 1.5·2²³: adding it rounds a float below 2²² to an integer held in the low mantissa bits. */
const ROUNDER = 12582912
const ROUNDER_BITS = 0x4b400000

/** e^x of local x; the result is left on the stack. */
export function emitExp(L: Lanes, x: number): void {
  const c = L.temp()
  const t = L.temp()
  const n = L.temp()
  const r = L.temp()
  // clamp with x first, so a NaN passes through (pmin/pmax: one instruction each)
  L.get(x).konst(88.72283).clampBelow().konst(-87.33654).clampAbove().set(c)
  // t = c·log₂e rounded to an integer n, in the low bits of t (no float → int conversion)
  L.get(c).konst(LOG2E).mul().konst(ROUNDER).add().set(t)
  L.get(t).konst(ROUNDER).sub().set(n)
  L.get(c).get(n).konst(LN2_HI).mul().sub().get(n).konst(LN2_LO).mul().sub().set(r)
  // p = poly(r)·r² + r + 1, the degree-5 poly by Estrin's scheme (three short chains instead of
  // Horner's one long one, so consecutive exps overlap), scaled by 2ⁿ from exponent bits: (n + 127) << 23
  const [r2, r4] = [L.temp(), L.temp()]
  const [c0, c1, c2, c3, c4, c5] = EXP_POLY
  L.get(r).get(r).mul().set(r2)
  L.get(r2).get(r2).mul().set(r4)
  L.konst(c0).get(r).mul().konst(c1).add().get(r4).mul()
  L.konst(c2).get(r).mul().konst(c3).add().get(r2).mul().add()
  L.konst(c4).get(r).mul().konst(c5).add().add()
  L.get(r2).mul().get(r).add().konst(1).add()
  L.get(t)
    .bits()
    .intConst(127 - ROUNDER_BITS)
    .intAdd()
    .intShl(23)
    .fromBits()
    .mul()
  // below the normal range: 0 (NaN compares false and passes through)
  const v = L.temp()
  L.set(v)
  L.konst(0).get(v).get(x).konst(-87.33654).lt().select()
}

/** ln x of local x; the result is left on the stack. */
export function emitLog(L: Lanes, x: number): void {
  const e = L.f.local(L.vec ? 'v128' : 'i32')
  const m = L.temp()
  const z = L.temp()
  const fe = L.temp()
  const mask = L.f.local(L.vec ? 'v128' : 'i32')
  const y = L.temp()
  L.get(x).bits().intShr(23).intConst(-126).intAdd()
  L.f.set(e)
  L.get(x).bits().intConst(0x807fffff).intAnd().intConst(0x3f000000).intOr().fromBits().set(m)
  L.get(m).konst(0.70710677).lt()
  L.f.set(mask)
  // below √½: e −= 1 and m = 2m − 1, else m = m − 1
  L.f.get(e).get(mask)
  if (L.vec) L.intAdd()
  else L.f.op(0x6b) // i32.sub
  L.f.set(e)
  L.get(m).konst(1).sub().get(m).konst(0)
  L.f.get(mask)
  L.select().add().set(m)
  L.get(m).get(m).mul().set(z)
  L.f.get(e)
  L.fromInt().set(fe)
  L.poly(m, LOG_POLY).get(m).mul().get(z).mul().set(y)
  L.get(y).get(fe).konst(LN2_LO).mul().add().get(z).konst(-0.5).mul().add().set(y)
  L.get(m).get(y).add().get(fe).konst(LN2_HI).mul().add()
  // special values: 0 → −∞, negative → NaN, ∞ → ∞, NaN → NaN
  const v = L.temp()
  L.set(v)
  special(L, v, () => L.get(x).konst(0).eq(), -Infinity)
  special(L, v, () => L.get(x).konst(0).lt(), NaN)
  special(L, v, () => L.get(x).konst(Infinity).eq(), Infinity)
  special(L, v, () => L.get(x).get(x).ne(), NaN)
  L.get(v)
}

function special(L: Lanes, v: number, cond: () => void, value: number): void {
  L.konst(value).get(v)
  cond()
  L.select().set(v)
}

/** tanh x of local x: a polynomial below |x| = 0.625, 1 − 2/(e^{2|x|} + 1) with x's sign above. */
export function emitTanh(L: Lanes, x: number): void {
  const z = L.temp()
  const t = L.temp()
  const big = L.temp()
  L.get(x).get(x).mul().set(z)
  L.get(x).abs().konst(2).mul().set(t)
  emitExp(L, t)
  L.konst(1).add().set(t)
  L.konst(1).konst(2).get(t).div().sub().set(big)
  // copy the sign of x onto big
  if (L.vec) L.get(x).get(big).f.i32x4([-0x80000000, -0x80000000, -0x80000000, -0x80000000])
  if (L.vec) L.select().set(big)
  else L.get(big).get(x).f.op(0x98) // f32.copysign
  if (!L.vec) L.set(big)
  // small: x + x·z·P(z)
  L.poly(z, TANH_POLY).get(z).mul().get(x).mul().get(x).add()
  L.get(big)
  L.get(x).abs().konst(0.625).lt()
  L.select()
}
