/**
 * A kernel as a WGSL compute shader. Bindings: the uniform block (∞, −∞, NaN, then the plan's
 * scalar arguments), the output, then the kernel's input buffers, all f32. Two layouts:
 * - threads: one thread per output cell in workgroups of 128 (or one thread per row of a narrow
 *   output whose loop recomputes what its columns share, e.g. a weighted sum over 2 coordinates);
 * - staged: a contraction (stage.ts) in 16 × 16 workgroups, each thread a block of up to 4 × 4
 *   cells spaced 16 apart, the operand tiles of each step of the loop in workgroup memory.
 */
import type { Kernel, KStmt, Plan } from '../../kernel/types.js'
import { analyze, type Analysis } from '../../kernel/analyze.js'
import type { DeviceLimits } from './adapter.js'
import { cellTx, cellTy, Emitter, loopVar, range, type Cell, type EmitEnv } from './emit.js'
import { findStaging, type StagedLoop, type StagePlan } from './stage.js'
import { mathPrelude } from './wgslMath.js'
import { checkKernel } from './validate.js'
import { BackendError } from '../planIO.js'

export interface TileShape {
  kind: 'threads' | 'staged'
  /** Output cells per thread along y and x. */
  rows: number
  cols: number
  /** Threads per workgroup along x and y. */
  threads: [number, number]
  /** Staged: loop trips per tile and loads staged. */
  depth?: number
  staged?: number
}

export interface WgslKernel {
  code: string
  /** For each line of `code`, the source of the kernel statement it was emitted for (an index into the kernel's `fused`), if any. */
  lineSources: (number | undefined)[]
  tile: TileShape
  /** Workgroups to dispatch along x, y, z. */
  dispatch: [number, number, number]
  /** Loop iterations one thread runs. */
  iterations: number
}

export interface CodegenContext {
  limits: DeviceLimits
  /** Uniform slot of each scalar argument of the plan (slots 0–3 hold ∞, −∞, NaN and 0). */
  scalarSlot: Map<string, number>
}

/** Uniform slots before the scalars: ∞, −∞, NaN, 0. */
export const CONSTANT_SLOTS = 4
const THREADS = 128
const STAGE_SIDE = 16

const grid = (k: Kernel) => ({ X: k.grid[0], Y: k.grid[1] ?? 1, Z: k.grid[2] ?? 1 })
const slotExpr = (s: number) => `P.v[${s >> 2}].${'xyzw'[s & 3]}`

/** Cells per thread along x in the threads layout: a narrow output whose columns share loop work is taken whole. */
function threadCols(X: number, a: Analysis): number {
  if (a.hasLoop && X <= 4) return X
  if (a.sharedInnerLoop && X <= 64) return Math.min(X, 16)
  return 1
}

const block = (n: number) => (n >= 64 ? 4 : n >= 32 ? 2 : 1)

/** The staged layout, when the kernel is a contraction that fits one. */
function stagedTile(k: Kernel, a: Analysis, limits: DeviceLimits): Layout | undefined {
  const { X, Y, Z } = grid(k)
  if (X < STAGE_SIDE || Y < STAGE_SIDE || Z > limits.maxComputeWorkgroupsPerDimension) return undefined
  if (limits.maxComputeInvocationsPerWorkgroup < STAGE_SIDE * STAGE_SIDE) return undefined
  const [rows, cols] = [block(Y), block(X)]
  const span = { x: STAGE_SIDE * cols, y: STAGE_SIDE * rows }
  for (const depth of [16, 8]) {
    const tileBytes = STAGE_SIDE * Math.max(rows, cols) * depth * 4
    const plan = findStaging(k, a, Math.floor(limits.maxComputeWorkgroupStorageSize / tileBytes), span)
    if (plan)
      return {
        plan,
        tile: {
          kind: 'staged',
          rows,
          cols,
          threads: [STAGE_SIDE, STAGE_SIDE],
          depth: Math.min(depth, ...plan.loops.map((l) => l.loop.n)),
          staged: plan.loops.reduce((n, l) => n + l.loads.size, 0),
        },
      }
  }
  return undefined
}

/**
 * The kernel's WGSL in the first layout whose threads stay within the device's loop budget: staged
 * (when the kernel is a contraction), then threads with blocks, then one thread per cell.
 */
export function compileKernel(k: Kernel, ctx: CodegenContext): WgslKernel {
  checkKernel(k)
  const a = analyze(k)
  const staged = stagedTile(k, a, ctx.limits)
  const threads = (cols: number): Layout => ({ tile: { kind: 'threads', rows: 1, cols, threads: [THREADS, 1] } })
  const layouts: Layout[] = [...(staged ? [staged] : []), threads(threadCols(grid(k).X, a)), threads(1)]
  const budget = ctx.limits.maxThreadIterations ?? Infinity
  let last: WgslKernel | undefined
  for (const layout of layouts) {
    last = emitKernel(k, a, ctx, layout)
    if (last.iterations <= budget) return last
  }
  throw new BackendError(
    `kernel ${k.name} runs ${last!.iterations} loop iterations per thread; this device stops a thread's loops after ${budget} (lower the program for this device, or run it on another adapter)`,
  )
}

interface Layout {
  tile: TileShape
  plan?: StagePlan
}

function emitKernel(k: Kernel, a: Analysis, ctx: CodegenContext, layout: Layout): WgslKernel {
  const { tile } = layout
  const { X, Y, Z } = grid(k)
  const bufName = new Map(k.buffers.map((b, i) => [b, `b${i}`]))
  const slots = k.scalars.map((s) => {
    const slot = ctx.scalarSlot.get(s)
    if (slot === undefined) throw new Error(`internal: scalar ${s} of kernel ${k.name} is not an argument of the plan`)
    return slot
  })
  const env: EmitEnv = {
    kernel: k,
    analysis: a,
    rows: tile.rows,
    cols: tile.cols,
    bufName,
    scalar: new Map(k.scalars.map((s, i) => [s, slotExpr(slots[i])])),
  }
  const e = new Emitter(env)
  let head: string[]
  let dispatch: [number, number, number]
  let shared: string[] = []
  if (layout.plan) {
    const s = stagedLoops(layout.plan, tile, bufName)
    env.stage = s.stage
    shared = s.shared
    head = stagedHead(tile)
    dispatch = [Math.ceil(X / (STAGE_SIDE * tile.cols)), Math.ceil(Y / (STAGE_SIDE * tile.rows)), Z]
  } else {
    const t = threadsHead(k, tile, ctx.limits)
    head = t.head
    dispatch = t.dispatch
  }
  const iterations = e.stmts(k.body)
  // the stores, each guarded when the grid does not fill the last blocks
  const spanX = tile.kind === 'staged' ? STAGE_SIDE * tile.cols : tile.cols
  const spanY = tile.kind === 'staged' ? STAGE_SIDE * tile.rows : tile.rows
  for (const i of range(tile.rows))
    for (const j of range(tile.cols)) {
      const cell: Cell = { i, j }
      const guards = [...(X % spanX ? [`${cellTx(j)} < ${X}`] : []), ...(Y % spanY ? [`${cellTy(i)} < ${Y}`] : [])]
      const row = Z > 1 ? `(tz * ${Y} + ${cellTy(i)})` : cellTy(i)
      const index = Y > 1 || Z > 1 ? `${row} * ${X} + ${cellTx(j)}` : cellTx(j)
      const store = `out[${index}] = ${e.val(k.result, cell)};`
      if (guards.length) e.line(`if (${guards.join(' && ')}) { ${store} }`)
      else e.line(store)
    }
  const maxSlot = Math.max(CONSTANT_SLOTS - 1, ...slots)
  const body = [...head, ...e.lines, '}']
  const bodySources = [...head.map(() => undefined), ...e.sources, undefined]
  const preamble = [
    `struct Params { v: array<vec4<f32>, ${(maxSlot >> 2) + 1}> }`,
    '@group(0) @binding(0) var<uniform> P: Params;',
    '@group(0) @binding(1) var<storage, read_write> out: array<f32>;',
    ...k.buffers.map((b, i) => `@group(0) @binding(${i + 2}) var<storage, read> b${i}: array<f32>; // ${b}`),
    ...shared,
    mathPrelude(body.join('\n')),
  ]
  // the parts as before (empty ones left out), then line by line with each line's source
  const lines = [
    ...preamble.map((text) => ({ text, src: undefined })),
    ...body.map((text, i) => ({ text, src: bodySources[i] })),
  ]
    .filter((l) => l.text !== '')
    .flatMap((l) => l.text.split('\n').map((text) => ({ text, src: l.src })))
  const code = lines.map((l) => l.text).join('\n')
  return { code, lineSources: lines.map((l) => l.src), tile, dispatch, iterations }
}

/** Entry point of the threads layout: a linear thread id over the blocks, workgroups spread over x and y. */
function threadsHead(
  k: Kernel,
  tile: TileShape,
  limits: DeviceLimits,
): { head: string[]; dispatch: [number, number, number] } {
  const { X, Y, Z } = grid(k)
  const NX = Math.ceil(X / tile.cols)
  const NY = Math.ceil(Y / tile.rows)
  const total = NX * NY * Z
  const groups = Math.ceil(total / THREADS)
  const gx = Math.min(groups, limits.maxComputeWorkgroupsPerDimension)
  const gy = groups === 0 ? 0 : Math.ceil(groups / gx)
  if (gy > limits.maxComputeWorkgroupsPerDimension)
    throw new Error(`kernel ${k.name}: ${total} threads are more than one dispatch of this device holds`)
  const head = [
    `@compute @workgroup_size(${THREADS})`,
    'fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {',
    `  let id = i32((wg.y * ${gx}u + wg.x) * ${THREADS}u + li);`,
    `  if (id >= ${total}) { return; }`,
    `  let bx = id % ${NX};`,
    `  let by = ${NY > 1 ? `(id / ${NX}) % ${NY}` : '0'};`,
    `  let tz = ${Z > 1 ? `id / ${NX * NY}` : '0'};`,
    ...range(tile.cols).map((j) => `  let ${cellTx(j)} = bx * ${tile.cols} + ${j};`),
    ...range(tile.rows).map((i) => `  let ${cellTy(i)} = by * ${tile.rows} + ${i};`),
  ]
  return { head, dispatch: [gx, gy, 1] }
}

/** Entry point of the staged layout: thread (lx, ly) of workgroup (wx, wy, tz) has cells spaced 16 apart. */
function stagedHead(tile: TileShape): string[] {
  const [sx, sy] = tile.threads
  return [
    `@compute @workgroup_size(${sx}, ${sy}, 1)`,
    'fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {',
    '  let lx = i32(lid.x);',
    '  let ly = i32(lid.y);',
    `  let wx0 = i32(wg.x) * ${sx * tile.cols};`,
    `  let wy0 = i32(wg.y) * ${sy * tile.rows};`,
    '  let tz = i32(wg.z);',
    ...range(tile.cols).map((j) => `  let ${cellTx(j)} = wx0 + lx + ${sx * j};`),
    ...range(tile.rows).map((i) => `  let ${cellTy(i)} = wy0 + ly + ${sy * i};`),
  ]
}

/**
 * The staged loops: for each tile of `depth` trips, a barrier, the cooperative loads of every staged
 * operand into workgroup memory (consecutive threads take consecutive addresses), a barrier, then
 * the loop body over the tile's trips with the staged loads reading workgroup memory.
 */
function stagedLoops(
  plan: StagePlan,
  tile: TileShape,
  bufName: Map<string, string>,
): { stage: NonNullable<EmitEnv['stage']>; shared: string[] } {
  const [sx, sy] = tile.threads
  const depth = tile.depth!
  const threads = sx * sy
  const extent = (axis: 'row' | 'col') => (axis === 'row' ? sy * tile.rows : sx * tile.cols)
  const arrays = new Map(
    plan.loops.map((l, p) => [l, new Map([...l.loads.keys()].map((key, q) => [key, `sh${p}_${q}`]))]),
  )
  const shared = plan.loops.flatMap((l) =>
    [...l.loads].map(
      ([key, ld]) => `var<workgroup> ${arrays.get(l)!.get(key)}: array<f32, ${extent(ld.axis) * depth}>;`,
    ),
  )
  const emitLoop = (em: Emitter, sl: StagedLoop): number => {
    const n = sl.loop.n
    let body = 0
    em.block(`for (var k0: i32 = 0; k0 < ${n}; k0 = k0 + ${depth}) {`, () => {
      em.line('workgroupBarrier();')
      for (const [key, l] of sl.loads) {
        const size = extent(l.axis) * depth
        em.block(`for (var q: i32 = i32(li); q < ${size}; q = q + ${threads}) {`, () => {
          // position in the tile: along the thread id or along the loop, whichever the index walks contiguously
          const [t, kk] = l.threadFastest
            ? [`q % ${extent(l.axis)}`, `q / ${extent(l.axis)}`]
            : [`q / ${depth}`, `q % ${depth}`]
          em.line(`let t = ${t};`)
          em.line(`let kk = ${kk};`)
          const origin = l.axis === 'row' ? 'wy0' : 'wx0'
          const at = {
            tx: l.axis === 'col' ? `(${origin} + t)` : '0',
            ty: l.axis === 'row' ? `(${origin} + t)` : '0',
            loops: new Map([[sl.loop.v, '(k0 + kk)']]),
          }
          const slot = l.axis === 'row' ? `t * ${depth} + kk` : `kk * ${extent('col')} + t`
          const store = `${arrays.get(sl)!.get(key)}[${slot}] = ${bufName.get(l.buf)}[${em.int(l.index, at)}];`
          em.line(n % depth ? `if (k0 + kk < ${n}) { ${store} }` : store)
        })
      }
      em.line('workgroupBarrier();')
      const trips = n % depth ? `min(${depth}, ${n} - k0)` : String(depth)
      em.block(`for (var kk: i32 = 0; kk < ${trips}; kk++) {`, () => {
        em.line(`let ${loopVar(sl.loop.v)}: i32 = k0 + kk;`)
        em.staged = sl
        body = em.stmts(sl.loop.body)
        em.staged = undefined
      })
    })
    // per tile: its own trip, the cooperative loads' trips, the body's trips
    const loads = [...sl.loads.values()].reduce((q, l) => q + Math.ceil((extent(l.axis) * depth) / threads), 0)
    return Math.ceil(n / depth) * (1 + loads + depth * (1 + body))
  }
  const read = (sl: StagedLoop, key: string, cell: Cell) => {
    const name = arrays.get(sl)!.get(key)!
    return sl.loads.get(key)!.axis === 'row'
      ? `${name}[(ly + ${sy * cell.i}) * ${depth} + kk]`
      : `${name}[kk * ${extent('col')} + lx + ${sx * cell.j}]`
  }
  const uniformCond = (s: KStmt) => {
    const u = plan.uniformIfs.get(s)!
    return `(${u.axis === 'x' ? 'wx0' : 'wy0'} ${u.op} ${u.bound})`
  }
  return { stage: { plan, emitLoop, read, uniformCond }, shared }
}

/** A tile in words, for `drift inspect`. */
export function printTile(t: TileShape): string {
  const cells = `${t.rows}×${t.cols} cell(s) per thread`
  return t.kind === 'staged'
    ? `staged contraction: ${t.threads.join('×')} threads, ${cells}, ${t.staged} operand tile(s) of ${t.depth} steps in workgroup memory`
    : `one thread per ${t.rows * t.cols === 1 ? 'cell' : `block of ${cells}`}, workgroups of ${t.threads[0]}`
}

/** Each kernel of a plan as the WGSL it runs as, under a comment line naming it with its layout and dispatch. */
export function planKernelsWGSL(
  plan: Plan,
  limits: DeviceLimits,
): { kernel: Kernel; header: string; wgsl: WgslKernel }[] {
  const scalarSlot = new Map(plan.scalars.map((s, i) => [s.name, CONSTANT_SLOTS + i]))
  return plan.steps.flatMap((s) => {
    if (s.k !== 'launch') return []
    const wgsl = compileKernel(s.kernel, { limits, scalarSlot })
    return [
      {
        kernel: s.kernel,
        header: `// ${s.kernel.name}: ${printTile(wgsl.tile)}; dispatch ${wgsl.dispatch.join('×')}`,
        wgsl,
      },
    ]
  })
}

/** Every kernel of a plan as the WGSL it runs as, with its layout, for `drift inspect`. */
export function planWGSL(plan: Plan, limits: DeviceLimits): string {
  return planKernelsWGSL(plan, limits)
    .map((k) => `${k.header}\n${k.wgsl.code}`)
    .join('\n\n')
}
