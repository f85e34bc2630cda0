/**
 * Values of a tile: a kernel body emitted for R rows (ty) × C column groups (tx) at once, each
 * group four SIMD lanes wide (or one scalar lane in the x tail). A value that does not vary with
 * ty is held once for all rows, one that does not vary with tx once for all columns, and only
 * values varying with tx are vectors: that sharing is what makes a contraction read each operand
 * once per tile (register blocking) instead of once per output element.
 */
import { FnBuilder, SIMD } from './encode.js'
import { DX, DY, type Dep } from '../../kernel/analyze.js'
import { Lanes } from './lanes.js'

export interface TileShape {
  /** Row groups (ty) and column groups (tx). */
  rows: number
  cols: number
  /** Cells along `axis` are f32x4 vectors of four consecutive threads (else single f32 lanes). */
  vec: boolean
  axis: 'x' | 'y'
}

/** A tile value: locals[r][c] (rows × cols of the shape it varies over), or a constant. */
export interface TV {
  rows: number
  cols: number
  vec: boolean
  locals: number[][]
  konst?: number
}

export const konst = (v: number): TV => ({ rows: 1, cols: 1, vec: false, locals: [], konst: v })

export class Tile {
  constructor(
    readonly f: FnBuilder,
    readonly shape: TileShape,
  ) {}

  /** The extent of a value with this dependence. */
  extent(d: Dep): { rows: number; cols: number; vec: boolean } {
    const { rows, cols, vec, axis } = this.shape
    return { rows: d & DY ? rows : 1, cols: d & DX ? cols : 1, vec: vec && (d & (axis === 'x' ? DX : DY)) !== 0 }
  }
  /** Does a value with this dependence differ between the cells of a tile? */
  varies(d: Dep): boolean {
    const e = this.extent(d)
    return e.rows > 1 || e.cols > 1 || e.vec
  }
  /** Thread offsets from the tile origin of cell (r, c), lane `lane`. */
  xOffset(c: number, lane: number): number {
    return this.shape.vec && this.shape.axis === 'x' ? 4 * c + lane : c
  }
  yOffset(r: number, lane: number): number {
    return this.shape.vec && this.shape.axis === 'y' ? 4 * r + lane : r
  }
  lanes(vec: boolean): Lanes {
    return new Lanes(this.f, vec)
  }
  alloc(d: Dep): TV {
    const { rows, cols, vec } = this.extent(d)
    return { rows, cols, vec, locals: cellGrid(rows, cols, () => this.f.local(vec ? 'v128' : 'f32')) }
  }
  /** Push cell (r, c) of v, as a vector when asVec. */
  push(v: TV, r: number, c: number, asVec: boolean): void {
    if (v.konst !== undefined) {
      if (asVec) this.f.f32x4(v.konst)
      else this.f.f32(v.konst)
      return
    }
    this.f.get(v.locals[v.rows > 1 ? r : 0][v.cols > 1 ? c : 0])
    if (asVec && !v.vec) this.f.simd(SIMD.f32x4_splat)
  }
  /** Push one lane of cell (r, c) as an f32 scalar. */
  pushLane(v: TV, r: number, c: number, lane: number): void {
    this.push(v, r, c, false)
    if (v.vec) this.f.simd(SIMD.f32x4_extract_lane, lane)
  }
  /** A new value of dependence d whose cells `emit` computes onto the stack. */
  cells(d: Dep, emit: (r: number, c: number, L: Lanes) => void): TV {
    const out = this.alloc(d)
    const L = this.lanes(out.vec)
    for (let r = 0; r < out.rows; r++)
      for (let c = 0; c < out.cols; c++) {
        emit(r, c, L)
        this.f.set(out.locals[r][c])
      }
    return out
  }
  /** A vector (or scalar) cell built from per-lane scalar code. */
  fromLanes(vec: boolean, lane: (l: number) => void): void {
    if (!vec) return lane(0)
    lane(0)
    this.f.simd(SIMD.f32x4_splat)
    for (let l = 1; l < 4; l++) {
      lane(l)
      this.f.simd(SIMD.f32x4_replace_lane, l)
    }
  }
  /** Copy (broadcasting) `v` into the locals of `into`. */
  assign(into: TV, v: TV): void {
    for (let r = 0; r < into.rows; r++)
      for (let c = 0; c < into.cols; c++) {
        this.push(v, r, c, into.vec)
        this.f.set(into.locals[r][c])
      }
  }
}

const cellGrid = <T>(rows: number, cols: number, make: (r: number, c: number) => T): T[][] =>
  Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => make(r, c)))

/** A tile shape in words, for `drift inspect`. */
export const printTile = (t: TileShape): string =>
  `tiles of ${t.rows} row group(s) × ${t.cols} column group(s), ${t.vec ? `f32x4 along ${t.axis}` : 'scalar'}`
