/**
 * A small WebAssembly binary writer: the module sections drift's kernels need (types, imports,
 * one exported function, code) and a function builder that tracks locals. Opcodes are named in
 * `OP` (core) and `SIMD` (the 0xfd prefix, 128-bit SIMD) as the specification numbers them.
 */

export type ValType = 'i32' | 'f32' | 'f64' | 'v128'
const VALTYPE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b }

export function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}

export function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return (out.push(b), out)
    out.push(b | 0x80)
  }
}

const f32Bytes = (v: number): number[] => [...new Uint8Array(Float32Array.of(v).buffer)]
const name = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)]
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]

export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  call: 0x10,
  select: 0x1b,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  f32_load: 0x2a,
  f32_store: 0x38,
  i32_const: 0x41,
  f32_const: 0x43,
  i32_eqz: 0x45,
  i32_eq: 0x46,
  i32_ne: 0x47,
  i32_lt_s: 0x48,
  i32_lt_u: 0x49,
  i32_gt_s: 0x4a,
  i32_le_s: 0x4c,
  i32_ge_s: 0x4e,
  f32_eq: 0x5b,
  f32_ne: 0x5c,
  f32_lt: 0x5d,
  f32_gt: 0x5e,
  f32_le: 0x5f,
  f32_ge: 0x60,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_mul: 0x6c,
  i32_div_s: 0x6d,
  i32_rem_s: 0x6f,
  i32_and: 0x71,
  i32_or: 0x72,
  i32_shl: 0x74,
  i32_shr_s: 0x75,
  f32_abs: 0x8b,
  f32_neg: 0x8c,
  f32_ceil: 0x8d,
  f32_floor: 0x8e,
  f32_trunc: 0x8f,
  f32_nearest: 0x90,
  f32_sqrt: 0x91,
  f32_add: 0x92,
  f32_sub: 0x93,
  f32_mul: 0x94,
  f32_div: 0x95,
  f32_min: 0x96,
  f32_max: 0x97,
  f32_convert_i32_s: 0xb2,
  f32_demote_f64: 0xb6,
  f64_promote_f32: 0xbb,
  i32_reinterpret_f32: 0xbc,
  f32_reinterpret_i32: 0xbe,
} as const

export const SIMD = {
  v128_load: 0x00,
  v128_store: 0x0b,
  v128_const: 0x0c,
  i32x4_splat: 0x11,
  f32x4_splat: 0x13,
  i32x4_extract_lane: 0x1b,
  f32x4_extract_lane: 0x1f,
  f32x4_replace_lane: 0x20,
  f32x4_eq: 0x41,
  f32x4_ne: 0x42,
  f32x4_lt: 0x43,
  f32x4_gt: 0x44,
  f32x4_le: 0x45,
  f32x4_ge: 0x46,
  v128_not: 0x4d,
  v128_and: 0x4e,
  v128_andnot: 0x4f,
  v128_or: 0x50,
  v128_bitselect: 0x52,
  v128_any_true: 0x53,
  f32x4_ceil: 0x67,
  f32x4_floor: 0x68,
  f32x4_trunc: 0x69,
  f32x4_nearest: 0x6a,
  i32x4_all_true: 0xa3,
  i32x4_shl: 0xab,
  i32x4_add: 0xae,
  i32x4_sub: 0xb1,
  f32x4_abs: 0xe0,
  f32x4_neg: 0xe1,
  f32x4_sqrt: 0xe3,
  f32x4_add: 0xe4,
  f32x4_sub: 0xe5,
  f32x4_mul: 0xe6,
  f32x4_div: 0xe7,
  f32x4_min: 0xe8,
  f32x4_max: 0xe9,
  f32x4_pmin: 0xea,
  f32x4_pmax: 0xeb,
  i32x4_trunc_sat_f32x4_s: 0xf8,
  f32x4_convert_i32x4_s: 0xfa,
} as const

/**
 * One function body under construction: parameters first, then locals added on demand. A local
 * taken inside a scope (`scoped`) goes back to a free list when the scope ends, unless `keep`
 * moved it to an enclosing block's scope, and a later `local` of its type reuses it: an engine
 * refuses a function of more than 50 000 locals, which a large fused kernel emitted for several
 * tile shapes would otherwise pass. Every local is written before it is read, so a reused one
 * needs no reset.
 */
export class FnBuilder {
  code: number[] = []
  private readonly locals: ValType[] = []
  private readonly free = new Map<ValType, number[]>()
  /** The locals each open scope took, outermost first; a block's scope also holds its variables. */
  private readonly scopes: { taken: number[]; block: boolean }[] = []
  /** While set, `local` takes no freed local (code placed before the code already emitted). */
  private freshOnly = false
  constructor(readonly params: ValType[]) {}

  /** Emit into `into` instead of the body while `emit` runs (code to be placed elsewhere later). */
  divert(into: number[], emit: () => void): void {
    const saved = this.code
    this.code = into
    try {
      emit()
    } finally {
      this.code = saved
    }
  }
  local(t: ValType): number {
    const reused = this.freshOnly ? undefined : this.free.get(t)?.pop()
    const i = reused ?? this.params.length + this.locals.push(t) - 1
    this.scopes.at(-1)?.taken.push(i)
    return i
  }
  /** Run `emit`; every local it takes is free again afterwards (its value dead), except those `keep` moved out. */
  scoped<T>(emit: () => T, block = false): T {
    this.scopes.push({ taken: [], block })
    try {
      return emit()
    } finally {
      for (const i of this.scopes.pop()!.taken) {
        const t = this.locals[i - this.params.length]
        let list = this.free.get(t)
        if (!list) this.free.set(t, (list = []))
        list.push(i)
      }
    }
  }
  /**
   * Keep these locals (taken in the current scope or inner ones) until the enclosing block ends
   * (a variable), or with `whole` until the outermost scope ends (a value computed once per body).
   */
  keep(locals: number[], whole = false): void {
    const top = this.scopes.length - 1
    let at = 0
    if (!whole) for (let k = top - 1; k > 0 && at === 0; k--) if (this.scopes[k].block) at = k
    const set = new Set(locals)
    for (const scope of this.scopes.slice(at + 1)) {
      const moved = scope.taken.filter((i) => set.has(i))
      if (!moved.length) continue
      scope.taken = scope.taken.filter((i) => !set.has(i))
      this.scopes[at].taken.push(...moved)
    }
  }
  /**
   * Run `emit` taking only new locals: for code placed before code already emitted, where a freed
   * local may still hold a value that later code reads.
   */
  fresh<T>(emit: () => T): T {
    const saved = this.freshOnly
    this.freshOnly = true
    try {
      return emit()
    } finally {
      this.freshOnly = saved
    }
  }
  op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b)
    return this
  }
  simd(op: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(op), ...imm)
  }
  get(i: number): this {
    return this.op(OP.local_get, ...uleb(i))
  }
  set(i: number): this {
    return this.op(OP.local_set, ...uleb(i))
  }
  tee(i: number): this {
    return this.op(OP.local_tee, ...uleb(i))
  }
  i32(v: number): this {
    return this.op(OP.i32_const, ...sleb(v | 0))
  }
  f32(v: number): this {
    return this.op(OP.f32_const, ...f32Bytes(v))
  }
  /** A v128 constant of four f32 lanes. */
  f32x4(v: number): this {
    return this.simd(SIMD.v128_const, ...f32Bytes(v), ...f32Bytes(v), ...f32Bytes(v), ...f32Bytes(v))
  }
  i32x4(lanes: number[]): this {
    return this.simd(SIMD.v128_const, ...lanes.flatMap((l) => [...new Uint8Array(Int32Array.of(l).buffer)]))
  }
  /** Memory access immediate: alignment exponent and byte offset. */
  memarg(align: number, offset: number): this {
    return this.op(...uleb(align), ...uleb(offset))
  }
  body(): number[] {
    const groups = this.locals.map((t) => [1, VALTYPE[t]])
    return [...vec(groups), ...this.code, OP.end]
  }
}

export interface ImportFn {
  module: string
  field: string
  params: ValType[]
  results: ValType[]
}

/** Every kernel imports one shared memory of at most this many 64 KiB pages (2 GiB). */
export const MAX_PAGES = 32768

/** A module importing `env.memory` (shared, up to MAX_PAGES) and `imports`, exporting `fn` as `run`. */
export function encodeModule(fn: FnBuilder, imports: ImportFn[]): Uint8Array<ArrayBuffer> {
  const types = [...imports.map((i) => [i.params, i.results]), [fn.params, []]] as ValType[][][]
  const typeSec = vec(
    types.map(([p, r]) => [0x60, ...vec(p.map((t) => [VALTYPE[t]])), ...vec(r.map((t) => [VALTYPE[t]]))]),
  )
  const importSec = vec([
    [...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(MAX_PAGES)],
    ...imports.map((imp, i) => [...name(imp.module), ...name(imp.field), 0x00, ...uleb(i)]),
  ])
  const body = fn.body()
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, typeSec),
    ...section(2, importSec),
    ...section(3, vec([uleb(imports.length)])),
    ...section(7, vec([[...name('run'), 0x00, ...uleb(imports.length)]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]
  return Uint8Array.from(bytes)
}
