/**
 * A kernel body as WGSL for a thread that computes a block of rows × cols output cells (register
 * blocking). A value is held once per block unless it varies with ty (then once per row) or tx
 * (once per column): kernel/analyze.ts works out what depends on what, so a contraction reads each
 * operand once per row or column of the block instead of once per cell. A branch whose condition is
 * the same for every cell of the block is one branch; one that differs between cells is emitted
 * once per cell (or per row, or per column), with that cell's copies of the values inside.
 * Index arithmetic is exact i32; values are f32 (integers and booleans too, as on every backend).
 */
import type { Kernel, KExpr, KStmt } from '../../kernel/types.js'
import { depOf, isIntExpr, DX, DY, UNROLL, type Analysis, type Dep } from '../../kernel/analyze.js'
import { BINARY, INF, NAN, NEG_INF, UNARY } from './wgslMath.js'
import { loadKey, type StagedLoop, type StagePlan } from './stage.js'

/** One output cell of a thread's block: row i, column j. */
export interface Cell {
  i: number
  j: number
}

/** Fixed rows or columns: the code being emitted runs for these cells only (inside a per-cell branch). */
interface Restriction {
  i?: number
  j?: number
}

/** Where the thread ids and loop counters of an index come from. */
export interface IndexEnv {
  tx: string
  ty: string
  /** Loop counters written as something else (the staged loop's counter in a cooperative load). */
  loops?: Map<string, string>
  /** The cell whose values a gathered index reads (absent in a cooperative load, which has none). */
  cell?: Cell
}

export interface EmitEnv {
  kernel: Kernel
  analysis: Analysis
  rows: number
  cols: number
  /** WGSL name of each buffer the kernel reads. */
  bufName: Map<string, string>
  /** WGSL expression of each scalar argument. */
  scalar: Map<string, string>
  /** The staged loops, how one is emitted and how a staged load of a cell reads workgroup memory. */
  stage?: {
    plan: StagePlan
    /** Emit a staged loop; returns the loop iterations it runs per thread. */
    emitLoop(e: Emitter, loop: StagedLoop): number
    read(loop: StagedLoop, key: string, cell: Cell): string
    /** A branch condition the same for the whole workgroup, as a test of the workgroup's origin. */
    uniformCond(s: KStmt): string
  }
}

const COMPARE: Record<string, string> = { lt: '<', le: '<=', gt: '>', ge: '>=', eq: '==', ne: '!=' }

/** A float literal of WGSL for a float32 value (non-finite values from the uniform block). */
export function f32Literal(v: number): string {
  const f = Math.fround(v)
  if (f === Infinity) return INF
  if (f === -Infinity) return NEG_INF
  if (Number.isNaN(f)) return NAN
  if (f === 0) return Object.is(f, -0) ? '(-0.0)' : '0.0'
  const s = /[.e]/.test(String(f)) ? String(f) : `${f}.0`
  return f < 0 ? `(${s})` : s
}

const intLiteral = (v: number) => (v < 0 ? `(${v})` : String(v))
const ident = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_')
export const loopVar = (v: string) => `l_${ident(v)}`

export const cellTx = (j: number) => `tx${j}`
export const cellTy = (i: number) => `ty${i}`

export class Emitter {
  readonly lines: string[] = []
  /** For each line, the kernel statement's source it was emitted for (`src`: an index into the kernel's fused equations). */
  readonly sources: (number | undefined)[] = []
  private source: number | undefined
  private depth = 1
  /** Variables ever assigned after their declaration (declared with var, the others with let). */
  private readonly mutable = new Set<string>()
  /** The staged loop whose body is being emitted: its staged loads read workgroup memory. */
  staged: StagedLoop | undefined

  constructor(readonly env: EmitEnv) {
    const walk = (ss: KStmt[]): void => {
      for (const s of ss)
        if (s.k === 'set') this.mutable.add(s.name)
        else if (s.k === 'for') walk(s.body)
        else if (s.k === 'if') (walk(s.then), walk(s.else ?? []))
    }
    walk(env.kernel.body)
  }

  line(s: string): void {
    this.lines.push(`${'  '.repeat(this.depth)}${s}`)
    this.sources.push(this.source)
  }
  block(open: string, body: () => void, close = '}'): void {
    this.line(open)
    this.depth++
    body()
    this.depth--
    this.line(close)
  }

  private dep(e: KExpr): Dep {
    return depOf(e, this.env.analysis)
  }

  /** The WGSL name of variable `name` at a cell (one copy per row and/or column it varies over). */
  varName(name: string, cell: Cell): string {
    const d = this.env.analysis.vars.get(name) ?? 0
    const r = d & DY && this.env.rows > 1 ? `_r${cell.i}` : ''
    const c = d & DX && this.env.cols > 1 ? `_c${cell.j}` : ''
    return `v_${ident(name)}${r}${c}`
  }

  // ---- integer index arithmetic ----

  /** An i32 expression of an index. */
  int(e: KExpr, at: IndexEnv): string {
    const a = this.env.analysis
    switch (e.k) {
      case 'num':
        if (Number.isInteger(e.v) && Math.abs(e.v) < 2 ** 31) return intLiteral(e.v)
        break
      case 'ref':
        if (e.name === 'tx') return at.tx
        if (e.name === 'ty') return at.ty
        if (e.name === 'tz') return 'tz'
        if (a.loopVars.has(e.name)) return at.loops?.get(e.name) ?? loopVar(e.name)
        if (a.intLets.has(e.name)) return this.int(a.intLets.get(e.name)!, at)
        break
      case 'bin':
        if ((e.op === 'add' || e.op === 'sub' || e.op === 'mul') && isIntExpr(e, a))
          return `(${this.int(e.a, at)} ${e.op === 'add' ? '+' : e.op === 'sub' ? '-' : '*'} ${this.int(e.b, at)})`
        break
      case 'idiv':
        return `(${this.int(e.a, at)} / ${e.b})`
      case 'imod':
        return `(${this.int(e.a, at)} % ${e.b})`
    }
    // a float used as an index (a gather): truncated, as every backend does
    if (!at.cell) throw new Error(`internal: a staged index reads a float value (${e.k})`)
    return `i32(${this.val(e, at.cell)})`
  }

  private at(cell: Cell): IndexEnv {
    return { tx: cellTx(cell.j), ty: cellTy(cell.i), cell }
  }

  // ---- values ----

  /** The f32 value of an expression at a cell. */
  val(e: KExpr, cell: Cell): string {
    const { analysis: a } = this.env
    switch (e.k) {
      case 'num':
        return f32Literal(e.v)
      case 'ref':
        if (a.vars.has(e.name)) return this.varName(e.name, cell)
        if (this.env.scalar.has(e.name)) return this.env.scalar.get(e.name)!
        return `f32(${this.int(e, this.at(cell))})`
      case 'load': {
        const key = loadKey(e.buf, e.index)
        if (this.staged?.loads.has(key)) return this.env.stage!.read(this.staged, key, cell)
        return `${this.env.bufName.get(e.buf)}[${this.int(e.index, this.at(cell))}]`
      }
      case 'idiv':
      case 'imod':
        return `f32(${this.int(e, this.at(cell))})`
      case 'sel':
        return `select(${this.val(e.b, cell)}, ${this.val(e.a, cell)}, ${this.cond(e.c, cell)})`
      case 'un': {
        if (e.op === 'not') return `select(0.0, 1.0, ${this.cond(e, cell)})`
        const f = UNARY[e.op]
        if (!f) throw new Error(`internal: the webgpu backend has no code for '${e.op}'`)
        return f(this.val(e.a, cell))
      }
      case 'bin': {
        if (COMPARE[e.op] || e.op === 'and' || e.op === 'or') return `select(0.0, 1.0, ${this.cond(e, cell)})`
        if (isIntExpr(e, a)) return `f32(${this.int(e, this.at(cell))})`
        const f = BINARY[e.op]
        if (!f) throw new Error(`internal: the webgpu backend has no code for '${e.op}'`)
        return f(this.val(e.a, cell), this.val(e.b, cell))
      }
    }
  }

  /** A WGSL bool: comparisons stay comparisons (of i32 when both sides are index arithmetic), other values test ≠ 0. */
  cond(e: KExpr, cell: Cell): string {
    const a = this.env.analysis
    if (e.k === 'bin' && COMPARE[e.op]) {
      const ints = isIntExpr(e.a, a) && isIntExpr(e.b, a)
      const side = (x: KExpr) => (ints ? this.int(x, this.at(cell)) : this.val(x, cell))
      return `(${side(e.a)} ${COMPARE[e.op]} ${side(e.b)})`
    }
    if (e.k === 'bin' && (e.op === 'and' || e.op === 'or'))
      return `(${this.cond(e.a, cell)} ${e.op === 'and' ? '&&' : '||'} ${this.cond(e.b, cell)})`
    if (e.k === 'un' && e.op === 'not') return `!${this.cond(e.a, cell)}`
    return `(${this.val(e, cell)} != 0.0)`
  }

  // ---- statements ----

  /** The cells a value of dependence d has under a restriction (one per row and/or column it varies over). */
  private cells(d: Dep, R: Restriction): Cell[] {
    const is = d & DY && this.env.rows > 1 && R.i === undefined ? range(this.env.rows) : [R.i ?? 0]
    const js = d & DX && this.env.cols > 1 && R.j === undefined ? range(this.env.cols) : [R.j ?? 0]
    return is.flatMap((i) => js.map((j) => ({ i, j })))
  }

  /** Emit a block; returns the loop iterations it runs per thread (kernel/analyze.ts loopTrips, for the emitted code). */
  stmts(ss: KStmt[], R: Restriction = {}): number {
    return ss.reduce((n, s) => n + this.stmt(s, R), 0)
  }

  private stmt(s: KStmt, R: Restriction): number {
    const outer = this.source
    this.source = s.src ?? outer
    try {
      return this.stmtCode(s, R)
    } finally {
      this.source = outer
    }
  }

  private stmtCode(s: KStmt, R: Restriction): number {
    const a = this.env.analysis
    switch (s.k) {
      case 'let':
      case 'set': {
        for (const cell of this.cells(a.vars.get(s.name) ?? 0, R)) {
          const v = this.val(s.value, cell)
          const name = this.varName(s.name, cell)
          if (s.k === 'set') this.line(`${name} = ${v};`)
          else this.line(`${this.mutable.has(s.name) ? 'var' : 'let'} ${name}: f32 = ${v};`)
        }
        return 0
      }
      case 'for': {
        const staged = this.env.stage?.plan.loops.find((l) => l.loop === s)
        if (staged) return this.env.stage!.emitLoop(this, staged)
        if (s.n <= 0) return 0
        let body = 0
        if (s.n <= UNROLL) {
          // unrolled: each copy in a block of its own with the counter a constant (a point's coordinates)
          for (let k = 0; k < s.n; k++)
            this.block('{', () => {
              this.line(`let ${loopVar(s.v)}: i32 = ${k};`)
              body = this.stmts(s.body, R)
            })
          return s.n * body
        }
        this.block(`for (var ${loopVar(s.v)}: i32 = 0; ${loopVar(s.v)} < ${s.n}; ${loopVar(s.v)}++) {`, () => {
          body = this.stmts(s.body, R)
        })
        return s.n * (1 + body)
      }
      case 'if': {
        const branch = (cond: string, inner: Restriction): number => {
          let [then, other] = [0, 0]
          this.block(`if ${cond} {`, () => (then = this.stmts(s.then, inner)))
          if (s.else)
            (this.lines.pop(), this.sources.pop(), this.block('} else {', () => (other = this.stmts(s.else!, inner))))
          return Math.max(then, other)
        }
        // the same for every cell of every thread of the workgroup: one branch, uniform control flow
        if (this.env.stage?.plan.uniformIfs.has(s)) return branch(this.env.stage.uniformCond(s), R)
        // one branch per combination of the rows and columns the condition varies over
        return this.cells(this.dep(s.c), R).reduce((n, cell) => {
          const inner: Restriction = {
            i: this.dep(s.c) & DY && this.env.rows > 1 ? cell.i : R.i,
            j: this.dep(s.c) & DX && this.env.cols > 1 ? cell.j : R.j,
          }
          return n + branch(this.cond(s.c, cell), inner)
        }, 0)
      }
    }
  }
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i)
