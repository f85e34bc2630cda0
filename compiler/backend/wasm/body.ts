/**
 * One kernel body emitted for one tile shape: expressions become tile values (tile.ts), loads
 * become vector loads with immediate offsets where the index is affine in tx and ty, branches
 * that are uniform over the tile become real branches, and branches that differ between cells
 * run both sides under a mask (their loads clamped into the buffer, as the untaken side may index
 * anywhere).
 */
import type { KExpr, KStmt } from '../../kernel/types.js'
import { OP, SIMD, uleb } from './encode.js'
import { affine, depOf, isIntExpr, DX, DY, type Analysis, type Dep } from '../../kernel/analyze.js'
import { emitExp, emitLog, emitTanh } from './mathfns.js'
import type { Lanes } from './lanes.js'
import { konst, Tile, type TV } from './tile.js'

export interface BodyEnv {
  analysis: Analysis
  /** Parameter locals: buffer byte offsets, scalar values. */
  bufParam: Map<string, number>
  bufLen: Map<string, number>
  scalarParam: Map<string, number>
  imports: Map<string, number>
  /** i32 locals of the tile origin. */
  tx0: number
  ty0: number
  tz: number
}

/** A cell of the tile; `lane` picks one SIMD lane. */
interface Cell {
  r: number
  c: number
  lane: number
}
const ORIGIN: Cell = { r: 0, c: 0, lane: 0 }
/** The bits of a float32, as an i32 (for a v128 constant of four different floats). */
const floatBits = (v: number) => new Int32Array(Float32Array.of(v).buffer)[0]
/** Loops this short are unrolled (their counters become constants, e.g. the coordinates of a point). */
const UNROLL = 4

type Mask = { rows: number; cols: number; vec: boolean; locals: number[][] }

export class BodyGen {
  private readonly vars = new Map<string, TV>()
  /** Loop variables: an i32 local, or a constant where the loop is unrolled. */
  private readonly loops = new Map<string, number | { konst: number }>()
  /** Depth of (not unrolled) loops around the code being emitted. */
  private loopDepth = 0
  /** Loads that do not change inside the loops, emitted once per tile before the body. */
  readonly prologue: number[] = []
  private readonly hoisted = new Map<string, TV>()
  /** Depth of code that only some cells take (loads there are clamped). */
  private divergent = 0
  private mask: Mask | undefined

  constructor(
    readonly t: Tile,
    readonly env: BodyEnv,
  ) {}

  private get f() {
    return this.t.f
  }
  private dep(e: KExpr): Dep {
    return depOf(e, this.env.analysis)
  }

  // ---- integer index arithmetic ----

  /** Push the i32 value of an index expression at one cell. */
  int(e: KExpr, cell: Cell): void {
    const a = this.env.analysis
    switch (e.k) {
      case 'num':
        if (Number.isInteger(e.v)) return void this.f.i32(e.v)
        break
      case 'ref':
        if (e.name === 'tx') return void this.f.get(this.env.tx0).i32(this.t.xOffset(cell.c, cell.lane)).op(OP.i32_add)
        if (e.name === 'ty') return void this.f.get(this.env.ty0).i32(this.t.yOffset(cell.r, cell.lane)).op(OP.i32_add)
        if (e.name === 'tz') return void this.f.get(this.env.tz)
        if (this.loops.has(e.name)) {
          const l = this.loops.get(e.name)!
          return void (typeof l === 'number' ? this.f.get(l) : this.f.i32(l.konst))
        }
        if (a.intLets.has(e.name)) return this.int(a.intLets.get(e.name)!, cell)
        break
      case 'bin':
        if (e.op === 'add' || e.op === 'sub' || e.op === 'mul') {
          if (isIntExpr(e, a)) {
            this.int(e.a, cell)
            this.int(e.b, cell)
            return void this.f.op(e.op === 'add' ? OP.i32_add : e.op === 'sub' ? OP.i32_sub : OP.i32_mul)
          }
        }
        break
      case 'idiv':
      case 'imod':
        this.int(e.a, cell)
        return void this.f.i32(e.b).op(e.k === 'idiv' ? OP.i32_div_s : OP.i32_rem_s)
    }
    // a float value used as an index: evaluate it, take the cell, truncate
    const v = this.value(e)
    this.t.pushLane(v, cell.r, cell.c, cell.lane)
    this.f.op(0xfc, 0x00)
  }

  // ---- loads ----

  private load(e: Extract<KExpr, { k: 'load' }>): TV {
    const key = this.loopDepth > 0 ? this.invariantKey(e.index) : undefined
    if (key === undefined) return this.emitLoad(e)
    const k = `${e.buf}[${key}]`
    let v = this.hoisted.get(k)
    if (!v) {
      // before the loops, the guards around this load have not been tested yet: clamp it; the
      // prologue runs before code already emitted, so its locals are new ones, kept for the body
      this.f.divert(this.prologue, () =>
        this.f.fresh(() => {
          this.divergent++
          v = this.emitLoad(e)
          this.divergent--
        }),
      )
      this.f.keep(v!.locals.flat(), true)
      this.hoisted.set(k, v!)
    }
    return v!
  }

  /** A key for an index that no running loop changes (integer arithmetic of thread ids and unrolled counters), else undefined. */
  private invariantKey(e: KExpr): string | undefined {
    const a = this.env.analysis
    switch (e.k) {
      case 'num':
        return Number.isInteger(e.v) ? String(e.v) : undefined
      case 'ref': {
        if (e.name === 'tx' || e.name === 'ty' || e.name === 'tz') return e.name
        const l = this.loops.get(e.name)
        if (l !== undefined) return typeof l === 'number' ? undefined : String(l.konst)
        return a.intLets.has(e.name) ? this.invariantKey(a.intLets.get(e.name)!) : undefined
      }
      case 'bin': {
        if (e.op !== 'add' && e.op !== 'sub' && e.op !== 'mul') return undefined
        const [x, y] = [this.invariantKey(e.a), this.invariantKey(e.b)]
        return x === undefined || y === undefined ? undefined : `(${x}${e.op}${y})`
      }
      case 'idiv':
      case 'imod': {
        const x = this.invariantKey(e.a)
        return x === undefined ? undefined : `(${x}${e.k}${e.b})`
      }
      default:
        return undefined
    }
  }

  private emitLoad(e: Extract<KExpr, { k: 'load' }>): TV {
    const { f } = this
    const a = this.env.analysis
    const param = this.env.bufParam.get(e.buf)!
    const d = this.dep(e.index)
    const clamp = this.divergent > 0 || !isIntExpr(e.index, a)
    const aff = isIntExpr(e.index, a) ? affine(e.index, a) : null
    const addr = (cell: Cell, extra = 0) => {
      this.int(e.index, cell)
      if (clamp) this.clamp(this.env.bufLen.get(e.buf)!)
      f.i32(2).op(OP.i32_shl).get(param).op(OP.i32_add)
      return extra
    }
    if (aff && clamp) {
      // code only some cells take: each lane's index (the origin's plus a constant), clamped into the buffer
      const base = f.local('i32')
      this.int(e.index, ORIGIN)
      f.set(base)
      return this.t.cells(d, (r, c, L) =>
        this.t.fromLanes(L.vec, (lane) => {
          f.get(base)
            .i32(aff.cy * this.t.yOffset(r, lane) + aff.cx * this.t.xOffset(c, lane))
            .op(OP.i32_add)
          this.clamp(this.env.bufLen.get(e.buf)!)
          f.i32(2).op(OP.i32_shl).get(param).op(OP.i32_add).op(OP.f32_load, 2, 0)
        }),
      )
    }
    if (aff && aff.cx >= 0 && aff.cy >= 0) {
      const base = f.local('i32')
      addr(ORIGIN)
      f.set(base)
      return this.t.cells(d, (r, c, L) => {
        const off = (lane: number) => 4 * (aff.cy * this.t.yOffset(r, lane) + aff.cx * this.t.xOffset(c, lane))
        if (L.vec && (this.t.shape.axis === 'x' ? aff.cx : aff.cy) === 1)
          return void f.get(base).simd(SIMD.v128_load, 2, ...uleb(off(0)))
        this.t.fromLanes(L.vec, (l) => f.get(base).op(OP.f32_load, 2, ...uleb(off(l))))
      })
    }
    return this.t.cells(d, (r, c, L) =>
      this.t.fromLanes(L.vec, (lane) => (addr({ r, c, lane }), f.op(OP.f32_load, 2, 0))),
    )
  }

  /** Clamp the i32 on the stack into [0, n − 1]. */
  private clamp(n: number): void {
    const v = this.f.local('i32')
    this.f
      .tee(v)
      .i32(n - 1)
      .get(v)
      .i32(n - 1)
      .op(OP.i32_lt_s)
      .op(OP.select)
    this.f.tee(v).i32(0).get(v).i32(0).op(OP.i32_gt_s).op(OP.select)
  }

  // ---- expressions ----

  value(e: KExpr): TV {
    const { f, t } = this
    switch (e.k) {
      case 'num':
        return konst(e.v)
      case 'ref': {
        if (this.vars.has(e.name)) return this.vars.get(e.name)!
        if (this.env.scalarParam.has(e.name))
          return { rows: 1, cols: 1, vec: false, locals: [[this.env.scalarParam.get(e.name)!]] }
        return this.intValue(e)
      }
      case 'load':
        return this.load(e)
      case 'idiv':
      case 'imod':
        return this.intValue(e)
      case 'un':
        return this.unary(e.op, this.value(e.a), this.dep(e))
      case 'bin':
        return this.binary(e.op, this.value(e.a), this.value(e.b), this.dep(e))
      case 'sel': {
        const cd = this.dep(e.c)
        const out = t.alloc(this.dep(e))
        if (!t.varies(cd)) {
          this.truth(this.value(e.c))
          f.op(OP.if, 0x40)
          t.assign(out, this.value(e.a))
          f.op(OP.else)
          t.assign(out, this.value(e.b))
          f.op(OP.end)
          return out
        }
        const c = this.value(e.c)
        this.divergent++
        const [x, y] = [this.value(e.a), this.value(e.b)]
        this.divergent--
        const L = t.lanes(out.vec)
        for (let r = 0; r < out.rows; r++)
          for (let k = 0; k < out.cols; k++) {
            t.push(x, r, k, out.vec)
            t.push(y, r, k, out.vec)
            t.push(c, r, k, out.vec)
            L.konst(0).ne().select()
            f.set(out.locals[r][k])
          }
        return out
      }
    }
  }

  /** Push `cell(0,0) != 0` as an i32 (for a condition uniform over the tile). */
  private truth(v: TV): void {
    this.t.pushLane(v, 0, 0, 0)
    this.f.f32(0).op(OP.f32_ne)
  }

  /**
   * An integer-valued expression as floats: where it is affine in tx and ty (a thread id, a
   * shifted one), its value at the tile origin plus each cell's constant offset, a vector add;
   * otherwise lane by lane.
   */
  private intValue(e: KExpr): TV {
    const d = this.dep(e)
    const aff = d !== 0 && isIntExpr(e, this.env.analysis) ? affine(e, this.env.analysis) : null
    if (aff) {
      const base = this.f.local('f32')
      this.int(e, ORIGIN)
      this.f.op(OP.f32_convert_i32_s).set(base)
      return this.t.cells(d, (r, c, L) => {
        const off = (lane: number) => aff.cy * this.t.yOffset(r, lane) + aff.cx * this.t.xOffset(c, lane)
        this.f.get(base)
        if (L.vec) {
          this.f.simd(SIMD.f32x4_splat).i32x4([0, 1, 2, 3].map((l) => floatBits(off(l))))
          L.add()
        } else if (off(0) !== 0) this.f.f32(off(0)).op(OP.f32_add)
      })
    }
    return this.t.cells(d, (r, c, L) =>
      this.t.fromLanes(L.vec, (lane) => (this.int(e, { r, c, lane }), this.f.op(OP.f32_convert_i32_s))),
    )
  }

  private unary(op: string, a: TV, d: Dep): TV {
    const t = this.t
    return t.cells(d, (r, c, L) => {
      const x = () => t.push(a, r, c, L.vec)
      switch (op) {
        case 'neg':
        case 'abs':
        case 'sqrt':
        case 'floor':
        case 'ceil':
        case 'trunc':
          return void (x(), L[op]())
        case 'not':
          return void (x(), L.konst(0).eq().toFloat())
        case 'sign': {
          const v = L.temp()
          x()
          L.set(v)
          L.konst(1).konst(-1).get(v).get(v).konst(0).lt().select().get(v).konst(0).gt().select()
          return
        }
        case 'exp':
        case 'log':
        case 'tanh': {
          const v = L.temp()
          x()
          L.set(v)
          return void (op === 'exp' ? emitExp : op === 'log' ? emitLog : emitTanh)(L, v)
        }
        default:
          return this.callHost(op, L, [a], r, c)
      }
    })
  }

  private binary(op: string, a: TV, b: TV, d: Dep): TV {
    const t = this.t
    // against a constant, min and max are the one-instruction forms with the value first (its NaN
    // still propagates; max(−0, 0) may give −0, as x86's maxps does)
    const constant = (v: TV) => v.konst !== undefined && !Number.isNaN(v.konst)
    if ((op === 'min' || op === 'max') && (constant(a) || constant(b))) {
      const [x, k] = constant(b) ? [a, b] : [b, a]
      return t.cells(
        d,
        (r, c, L) => (t.push(x, r, c, L.vec), t.push(k, r, c, L.vec), op === 'min' ? L.clampBelow() : L.clampAbove()),
      )
    }
    return t.cells(d, (r, c, L) => {
      const both = () => (t.push(a, r, c, L.vec), t.push(b, r, c, L.vec))
      switch (op) {
        case 'add':
        case 'sub':
        case 'mul':
        case 'div':
        case 'min':
        case 'max':
          return void (both(), L[op]())
        case 'lt':
        case 'le':
        case 'gt':
        case 'ge':
        case 'eq':
        case 'ne':
          return void (both(), L[op](), L.toFloat())
        case 'and':
        case 'or':
          t.push(a, r, c, L.vec)
          L.konst(0).ne()
          t.push(b, r, c, L.vec)
          L.konst(0).ne()
          return void (op === 'and' ? L.and() : L.or(), L.toFloat())
        default:
          return this.callHost(op, L, [a, b], r, c)
      }
    })
  }

  /** JavaScript Math, one lane at a time. */
  private callHost(op: string, L: Lanes, args: TV[], r: number, c: number): void {
    const fn = this.env.imports.get(op)
    if (fn === undefined) throw new Error(`internal: wasm kernel needs '${op}' but it was not imported`)
    this.t.fromLanes(L.vec, (lane) => {
      for (const a of args) (this.t.pushLane(a, r, c, lane), this.f.op(OP.f64_promote_f32))
      this.f.op(OP.call, ...uleb(fn), OP.f32_demote_f64)
    })
  }

  // ---- statements ----

  /**
   * The kernel's statements, each in a scope of locals: what a statement computes on the way is
   * dead after it, but for its variables, which live to the end of the enclosing scope.
   */
  stmts(ss: KStmt[]): void {
    for (const s of ss) this.f.scoped(() => this.stmt(s))
  }

  /** A nested block (a loop body, a branch): its variables are dead after it, as in the code generated from it. */
  private block(ss: KStmt[]): void {
    this.f.scoped(() => this.stmts(ss), true)
  }

  private stmt(s: KStmt): void {
    const { f, t } = this
    switch (s.k) {
      case 'let': {
        const v = this.value(s.value)
        const into = t.alloc(this.env.analysis.vars.get(s.name) ?? 0)
        t.assign(into, v)
        f.keep(into.locals.flat())
        this.vars.set(s.name, into)
        return
      }
      case 'set': {
        const target = this.vars.get(s.name)!
        const v = this.value(s.value)
        if (!this.mask) return t.assign(target, v)
        const L = t.lanes(target.vec)
        for (let r = 0; r < target.rows; r++)
          for (let c = 0; c < target.cols; c++) {
            t.push(v, r, c, target.vec)
            f.get(target.locals[r][c])
            this.pushMask(r, c, target.vec)
            L.select()
            f.set(target.locals[r][c])
          }
        return
      }
      case 'for': {
        if (s.n <= 0) return
        if (s.n <= UNROLL) {
          for (let k = 0; k < s.n; k++) {
            this.loops.set(s.v, { konst: k })
            this.block(s.body)
          }
          return
        }
        const i = f.local('i32')
        this.loops.set(s.v, i)
        f.i32(0).set(i)
        f.op(OP.loop, 0x40)
        this.loopDepth++
        this.block(s.body)
        this.loopDepth--
        f.get(i).i32(1).op(OP.i32_add).tee(i).i32(s.n).op(OP.i32_lt_s).op(OP.br_if, 0)
        f.op(OP.end)
        return
      }
      case 'if': {
        const cd = this.dep(s.c)
        if (!t.varies(cd)) {
          this.truth(this.value(s.c))
          f.op(OP.if, 0x40)
          this.block(s.then)
          if (s.else) (f.op(OP.else), this.block(s.else))
          f.op(OP.end)
          return
        }
        const c = this.value(s.c)
        const outer = this.mask
        const under = (negate: boolean): Mask => {
          const ext = t.extent(cd | (outer ? this.maskDep(outer) : 0))
          const m: Mask = { ...ext, locals: [] }
          const L = t.lanes(ext.vec)
          m.locals = Array.from({ length: ext.rows }, (_, r) =>
            Array.from({ length: ext.cols }, (_, k) => {
              t.push(c, r, k, ext.vec)
              L.konst(0)
              if (negate) L.eq()
              else L.ne()
              if (outer) (this.pushMaskOf(outer, r, k, ext.vec), L.and())
              const local = f.local(ext.vec ? 'v128' : 'i32')
              f.set(local)
              return local
            }),
          )
          return m
        }
        // each side runs as uniform code when every cell takes it, under its mask when only
        // some do, and not at all when none does (the uniform copy only at shallow nesting)
        const side = (m: Mask, body: KStmt[]) => {
          if (this.divergent <= 2) {
            this.allTrue(m)
            f.op(OP.if, 0x40)
            this.mask = outer
            this.divergent--
            this.block(body)
            this.divergent++
            f.op(OP.else)
          }
          this.mask = m
          this.anyTrue(m)
          f.op(OP.if, 0x40)
          this.block(body)
          f.op(OP.end)
          if (this.divergent <= 2) f.op(OP.end)
        }
        this.divergent++
        side(under(false), s.then)
        if (s.else) side(under(true), s.else)
        this.mask = outer
        this.divergent--
        return
      }
    }
  }

  private maskDep(m: Mask): Dep {
    return (m.rows > 1 ? DY : 0) | (m.cols > 1 ? DX : 0) | (m.vec ? (this.t.shape.axis === 'x' ? DX : DY) : 0)
  }

  /** Push an i32: are all cells of the mask set? */
  private allTrue(m: Mask): void {
    m.locals.flat().forEach((local, i) => {
      this.f.get(local)
      if (m.vec) this.f.simd(SIMD.i32x4_all_true)
      if (i > 0) this.f.op(OP.i32_and)
    })
  }

  /** Push an i32: is any cell of the mask set? */
  private anyTrue(m: Mask): void {
    m.locals.flat().forEach((local, i) => {
      this.f.get(local)
      if (m.vec) this.f.simd(SIMD.v128_any_true)
      if (i > 0) this.f.op(OP.i32_or)
    })
  }

  private pushMask(r: number, c: number, vec: boolean): void {
    this.pushMaskOf(this.mask!, r, c, vec)
  }

  /** Push a mask cell as a vector mask (vec) or an i32 truth value. */
  private pushMaskOf(m: Mask, r: number, c: number, vec: boolean): void {
    this.f.get(m.locals[m.rows > 1 ? r : 0][m.cols > 1 ? c : 0])
    if (vec && !m.vec) {
      // scalar truth → all-ones or zero lanes
      const t = this.f.local('i32')
      this.f.i32(0).op(OP.i32_ne).set(t)
      this.f.i32(0).get(t).op(OP.i32_sub).simd(SIMD.i32x4_splat)
    }
  }
}
