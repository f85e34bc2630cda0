/**
 * Lane-generic instruction emission: the same arithmetic as f32 scalars or as f32x4 vectors, so
 * every operation and math function is written once. Comparisons yield masks for vectors (all
 * ones per true lane) and i32 0/1 for scalars; `select` takes the matching condition form.
 */
import { FnBuilder, OP, SIMD, type ValType } from './encode.js'

export class Lanes {
  constructor(
    readonly f: FnBuilder,
    readonly vec: boolean,
  ) {}
  get type(): ValType {
    return this.vec ? 'v128' : 'f32'
  }
  private pick(scalar: number, simd: number): this {
    if (this.vec) this.f.simd(simd)
    else this.f.op(scalar)
    return this
  }
  konst(v: number): this {
    if (this.vec) this.f.f32x4(v)
    else this.f.f32(v)
    return this
  }
  add = () => this.pick(OP.f32_add, SIMD.f32x4_add)
  sub = () => this.pick(OP.f32_sub, SIMD.f32x4_sub)
  mul = () => this.pick(OP.f32_mul, SIMD.f32x4_mul)
  div = () => this.pick(OP.f32_div, SIMD.f32x4_div)
  min = () => this.pick(OP.f32_min, SIMD.f32x4_min)
  max = () => this.pick(OP.f32_max, SIMD.f32x4_max)
  /**
   * Min and max that propagate a NaN only from their first operand (one x86 instruction each;
   * wasm's min/max take several to propagate NaNs from either): for clamping a value to constants.
   */
  clampBelow = () => this.pick(OP.f32_min, SIMD.f32x4_pmin)
  clampAbove = () => this.pick(OP.f32_max, SIMD.f32x4_pmax)
  abs = () => this.pick(OP.f32_abs, SIMD.f32x4_abs)
  neg = () => this.pick(OP.f32_neg, SIMD.f32x4_neg)
  sqrt = () => this.pick(OP.f32_sqrt, SIMD.f32x4_sqrt)
  floor = () => this.pick(OP.f32_floor, SIMD.f32x4_floor)
  ceil = () => this.pick(OP.f32_ceil, SIMD.f32x4_ceil)
  trunc = () => this.pick(OP.f32_trunc, SIMD.f32x4_trunc)
  nearest = () => this.pick(OP.f32_nearest, SIMD.f32x4_nearest)
  eq = () => this.pick(OP.f32_eq, SIMD.f32x4_eq)
  ne = () => this.pick(OP.f32_ne, SIMD.f32x4_ne)
  lt = () => this.pick(OP.f32_lt, SIMD.f32x4_lt)
  le = () => this.pick(OP.f32_le, SIMD.f32x4_le)
  gt = () => this.pick(OP.f32_gt, SIMD.f32x4_gt)
  ge = () => this.pick(OP.f32_ge, SIMD.f32x4_ge)
  /** Condition forms: masks (vector) or i32 0/1 (scalar). */
  and = () => this.pick(OP.i32_and, SIMD.v128_and)
  or = () => this.pick(OP.i32_or, SIMD.v128_or)
  not(): this {
    if (this.vec) this.f.simd(SIMD.v128_not)
    else this.f.op(OP.i32_eqz)
    return this
  }
  /** Condition → 1.0 / 0.0. */
  toFloat(): this {
    if (this.vec) this.f.f32x4(1).simd(SIMD.v128_and)
    else this.f.op(OP.f32_convert_i32_s)
    return this
  }
  /** Stack: a, b, cond → cond ? a : b. */
  select(): this {
    if (this.vec) this.f.simd(SIMD.v128_bitselect)
    else this.f.op(OP.select)
    return this
  }
  /** Float bits → int lanes and back, int lane arithmetic (for exponent manipulation). */
  bits(): this {
    if (!this.vec) this.f.op(OP.i32_reinterpret_f32)
    return this
  }
  fromBits(): this {
    if (!this.vec) this.f.op(OP.f32_reinterpret_i32)
    return this
  }
  intConst(v: number): this {
    if (this.vec) this.f.i32x4([v, v, v, v])
    else this.f.i32(v)
    return this
  }
  intAdd = () => this.pick(OP.i32_add, SIMD.i32x4_add)
  intAnd = () => this.pick(OP.i32_and, SIMD.v128_and)
  intOr = () => this.pick(OP.i32_or, SIMD.v128_or)
  intShl(n: number): this {
    this.f.i32(n)
    return this.pick(OP.i32_shl, SIMD.i32x4_shl)
  }
  intShr(n: number): this {
    this.f.i32(n)
    if (this.vec) this.f.simd(0xac)
    else this.f.op(OP.i32_shr_s)
    return this
  }
  /** Float → int (truncating, saturating) and int → float, lane-wise. */
  toInt(): this {
    if (this.vec) this.f.simd(SIMD.i32x4_trunc_sat_f32x4_s)
    else this.f.op(0xfc, 0x00)
    return this
  }
  fromInt = () => this.pick(OP.f32_convert_i32_s, SIMD.f32x4_convert_i32x4_s)
  get(i: number): this {
    this.f.get(i)
    return this
  }
  set(i: number): this {
    this.f.set(i)
    return this
  }
  tee(i: number): this {
    this.f.tee(i)
    return this
  }
  temp(): number {
    return this.f.local(this.type)
  }
  /** Horner: c[0]·xⁿ + … + c[n], x in local `x`. */
  poly(x: number, c: number[]): this {
    this.konst(c[0])
    for (const k of c.slice(1)) this.get(x).mul().konst(k).add()
    return this
  }
}
