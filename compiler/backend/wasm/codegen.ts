/**
 * A kernel as a WebAssembly module. The exported `run(out, buffers…, scalars…, x0, x1, y0, y1)`
 * computes the output cells with tx in [x0, x1) and ty in [y0, y1) for every tz (so a caller can
 * split the grid between threads). Rows go R at a time, columns 4·C at a time (C SIMD groups),
 * then one SIMD group at a time, with scalar code for the remainders; each combination is one
 * instantiation of the body.
 */
import type { Kernel, KStmt } from '../../kernel/types.js'
import { encodeModule, FnBuilder, OP, SIMD, uleb, type ValType } from './encode.js'
import { analyze, depOf, DX, DY, type Analysis } from '../../kernel/analyze.js'
import { kernelImports } from './imports.js'
import { BodyGen, type BodyEnv } from './body.js'
import { Tile, type TileShape } from './tile.js'

export interface WasmKernel {
  bytes: Uint8Array<ArrayBuffer>
  /** The tile the full-size cells use. */
  tile: TileShape
  /** Import fields in order (module 'math'). */
  imports: string[]
}

export const grid = (k: Kernel) => ({ X: k.grid[0], Y: k.grid[1] ?? 1, Z: k.grid[2] ?? 1 })

/**
 * Tile choice. Vectors run along x when it has four threads or more, else along y. Rows are
 * register-blocked 4 deep only in kernels with loops (contractions, reductions) whose branches do
 * not depend on ty (a select is not a branch: the SiLU gradient's sign test after a matmul keeps
 * the blocking); the vector axis takes 2 groups (x: 2 column groups; y: 2 row groups). A narrow x
 * (≤ 3 threads) is taken whole (the values its columns share are computed once), and so is a row
 * of up to 64 threads whose loop contains an inner loop all its columns share. A kernel on a grid of
 * planes (tz > 1) with a branch the same for a whole row (col2im's phase and row tests, a padding
 * row) also takes 4 rows: the plane's address arithmetic and those tests then serve 4 rows at once
 * (the image step at batch 128, one thread: col2im 30 → 19 ms of CPU time, its patches 9.8 → 6.4 ms).
 */
export function tileFor(k: Kernel, a = analyze(k)): TileShape {
  const { X, Y } = grid(k)
  const blockRows = (a.hasLoop && (a.branchDep & DY) === 0) || ((k.grid[2] ?? 1) > 1 && rowUniformBranch(k.body, a))
  // a narrow row (≤ 64 columns) whose loop recomputes the same inner loop for every column: one tile per row
  if (X >= 8 && X <= 64 && a.sharedInnerLoop) return { axis: 'x', vec: true, cols: Math.floor(X / 4), rows: 1 }
  if (X >= 4) return { axis: 'x', vec: true, cols: X >= 8 ? 2 : 1, rows: Y >= 4 && blockRows ? 4 : 1 }
  const blockCols = (a.branchDep & DX) === 0 ? X : 1
  if (Y >= 4) return { axis: 'y', vec: true, cols: blockCols, rows: Y >= 16 && blockRows ? 4 : Y >= 8 ? 2 : 1 }
  return { axis: 'x', vec: false, cols: blockCols, rows: 1 }
}

/** Is there a branch whose condition does not vary with tx? */
function rowUniformBranch(ss: KStmt[], a: Analysis): boolean {
  return ss.some((s) =>
    s.k === 'for'
      ? rowUniformBranch(s.body, a)
      : s.k === 'if' &&
        ((depOf(s.c, a) & DX) === 0 || rowUniformBranch(s.then, a) || rowUniformBranch(s.else ?? [], a)),
  )
}

export function compileKernel(k: Kernel, sizes: Map<string, number>): WasmKernel {
  const analysis = analyze(k)
  const { list, index } = kernelImports(k)
  const params: ValType[] = [
    'i32',
    ...k.buffers.map((): ValType => 'i32'),
    ...k.scalars.map((): ValType => 'f32'),
    'i32',
    'i32',
    'i32',
    'i32',
  ]
  const f = new FnBuilder(params)
  const out = 0
  const [x0, x1, y0, y1] = [1, 2, 3, 4].map((i) => params.length - 5 + i)
  const env: BodyEnv = {
    analysis,
    bufParam: new Map(k.buffers.map((b, i) => [b, 1 + i])),
    bufLen: new Map(k.buffers.map((b) => [b, sizes.get(b)!])),
    scalarParam: new Map(k.scalars.map((s, i) => [s, 1 + k.buffers.length + i])),
    imports: index,
    tx0: f.local('i32'),
    ty0: f.local('i32'),
    tz: f.local('i32'),
  }
  const tile = tileFor(k, analysis)
  const { X, Y, Z } = grid(k)

  /** Emit the body for one tile shape and store its cells (its locals are free again for the next shape). */
  const body = (shape: TileShape) => f.scoped(() => bodyFor(shape), true)
  const bodyFor = (shape: TileShape) => {
    const t = new Tile(f, shape)
    const g = new BodyGen(t, env)
    const start = f.code.length
    g.stmts(k.body)
    const result = g.value(k.result)
    f.code = [...f.code.slice(0, start), ...g.prologue, ...f.code.slice(start)]
    // out + 4·((tz·Y + ty0)·X + tx0), then immediate offsets per cell
    const base = f.local('i32')
    f.get(env.tz).i32(Y).op(OP.i32_mul).get(env.ty0).op(OP.i32_add).i32(X).op(OP.i32_mul).get(env.tx0).op(OP.i32_add)
    f.i32(2).op(OP.i32_shl).get(out).op(OP.i32_add).set(base)
    const off = (r: number, c: number, lane: number) => uleb(4 * (t.yOffset(r, lane) * X + t.xOffset(c, lane)))
    for (let r = 0; r < shape.rows; r++)
      for (let c = 0; c < shape.cols; c++) {
        if (shape.vec && shape.axis === 'x') {
          f.get(base)
          t.push(result, r, c, true)
          f.simd(SIMD.v128_store, 2, ...off(r, c, 0))
        } else
          for (let lane = 0; lane < (shape.vec ? 4 : 1); lane++) {
            f.get(base)
            t.pushLane(result, r, c, lane)
            f.op(OP.f32_store, 2, ...off(r, c, lane))
          }
      }
  }
  /** while (v + step <= end) { emit(); v += step } */
  const strided = (v: number, end: number, step: number, emit: () => void) => {
    f.op(OP.block, 0x40, OP.loop, 0x40)
    f.get(v).i32(step).op(OP.i32_add).get(end).op(OP.i32_gt_s).op(OP.br_if, 1)
    emit()
    f.get(v).i32(step).op(OP.i32_add).set(v).op(OP.br, 0)
    f.op(OP.end, OP.end)
  }
  const vx = tile.vec && tile.axis === 'x'
  const vy = tile.vec && tile.axis === 'y'
  /** One band of rows: full-width tiles, then single columns. */
  const band = (rows: number, vecY: boolean) => {
    f.get(x0).set(env.tx0)
    const shape = (cols: number, vec: boolean): TileShape => ({ rows, cols, vec, axis: vec ? tile.axis : 'x' })
    if (tile.cols * (vx ? 4 : 1) > 1)
      strided(env.tx0, x1, tile.cols * (vx ? 4 : 1), () => body(shape(tile.cols, vx || vecY)))
    // then single vector groups, so at most 3 columns run as scalars (14 = 8 + 4 + 2)
    if (vx && tile.cols > 1) strided(env.tx0, x1, 4, () => body(shape(1, true)))
    strided(env.tx0, x1, 1, () => body(shape(1, vecY)))
  }
  f.i32(0).set(env.tz)
  f.op(OP.loop, 0x40)
  f.get(y0).set(env.ty0)
  if (tile.rows * (vy ? 4 : 1) > 1) strided(env.ty0, y1, tile.rows * (vy ? 4 : 1), () => band(tile.rows, vy))
  strided(env.ty0, y1, 1, () => band(1, false))
  f.get(env.tz).i32(1).op(OP.i32_add).tee(env.tz).i32(Z).op(OP.i32_lt_s).op(OP.br_if, 0)
  f.op(OP.end)
  return { bytes: encodeModule(f, list), tile, imports: list.map((i) => i.field) }
}
