/**
 * Live drifting in the page: particles moved by the field being edited, x ← x + η·V(x; data)
 * (playground/particles.ts), against samples of a toy data set (stdlib/toy2d/datasets.ts), both
 * compiled by the compiler in the page and run by an engine: drift's WebGPU plan executor on the
 * browser's adapter, or its wasm plan executor on the page's thread (the executors the browser
 * runtime for AOT artifacts runs). Samples are drawn against the data every few steps, with
 * steps/s and each kernel's median time.
 */
import { specialize, type ArgSpec } from '../../compiler/frontend/specialize.js'
import { lowerGraph } from '../../compiler/fusion/lower.js'
import { wasmLimits } from '../../compiler/backend/wasm/run.js'
import { WasmExecutor } from '../../compiler/backend/wasm/executor.js'
import { WebGPUExecutor } from '../../compiler/backend/webgpu/executor.js'
import { browserDevice } from '../../compiler/backend/webgpu/browserDevice.js'
import { webgpuLimits } from '../../compiler/backend/webgpu/limits.js'
import type { DeviceLimits } from '../../compiler/backend/webgpu/device.js'
import type { NDArray } from '../../compiler/ir/ndarray.js'
import type { Plan } from '../../compiler/kernel/types.js'
import type { KernelTime } from '../../compiler/backend/profile.js'
import type { BackendLimits } from '../../compiler/fusion/limits.js'
import { formatDiagnostic } from '../../compiler/frontend/diagnostics.js'

export const DATA_SETS = ['gaussians8', 'swissRoll', 'checkerboard', 'bimodal'] as const
const DRAW_EVERY = 5
const STEPS_PER_SLICE = 10
const START_SIGMA = 0.3

const T = (shape: number[], dtype: 'f32' | 'i32' = 'f32'): ArgSpec => ({ tag: 'tensor', aval: { shape, dtype } })
const S = (value: number): ArgSpec => ({ tag: 'static', value })
const key = (seed: number): NDArray => ({ shape: [], dtype: 'i32', data: Int32Array.of(seed) })
const scalar = (v: number): NDArray => ({ shape: [], dtype: 'f32', data: Float32Array.of(v) })

export interface LiveSettings {
  n: number
  data: (typeof DATA_SETS)[number]
  seed: number
  tau: number
  eta: number
}

/** Where the plans run: a backend's limits to lower under, its executor, and the kernel times it records. */
export interface Engine {
  /** What the page says runs the kernels. */
  label: string
  limits: BackendLimits
  run(plan: Plan, inputs: NDArray[]): Promise<NDArray[]>
  profile: Map<string, KernelTime>
  /** A WebGPU engine's device limits (its loop budget included), which the views lower webgpu plans under. */
  device?: DeviceLimits
}

/** drift's wasm plan executor on the page's thread. */
export function wasmEngine(): Engine {
  const executor = new WasmExecutor()
  const profile = (executor.profile = new Map())
  return {
    label: "wasm kernels on the page's thread",
    limits: wasmLimits(),
    run: async (plan, inputs) => executor.run(plan, inputs),
    profile,
  }
}

/** drift's WebGPU plan executor on the device the browser's adapter gives (opened here: a failure is its error). */
export async function webgpuEngine(): Promise<Engine> {
  const executor = new WebGPUExecutor(browserDevice, { profile: true })
  const { info } = await executor.ready()
  return {
    label: `WebGPU kernels on ${info.description}${info.software ? ' (a software adapter, on the CPU)' : ''}`,
    limits: webgpuLimits(info.limits),
    run: (plan, inputs) => executor.run(plan, inputs),
    profile: executor.profile!,
    device: info.limits,
  }
}

/** Compile a DSL export for an engine; a refused program is its diagnostics' text. */
function planOf(root: string, engine: Engine, file: string, exportName: string, specs: ArgSpec[]): Plan {
  const r = specialize({ file: `${root}/${file}`, exportName }, specs)
  if (r._tag === 'Left') throw new Error(r.left.map((d) => formatDiagnostic(d, root)).join('\n'))
  return lowerGraph(r.right.graph, {}, engine.limits).plan
}

export interface FieldRef {
  file: string
  name: string
}

/** Particles, data and the step plan of one field; `step` moves the particles. */
export class LiveRun {
  steps = 0

  private constructor(
    private readonly root: string,
    readonly engine: Engine,
    readonly settings: LiveSettings,
    private stepPlan: Plan,
    public x: NDArray,
    readonly data: NDArray,
  ) {}

  /** The seeded start and data, and the step of `field`. */
  static async start(root: string, engine: Engine, settings: LiveSettings, field: FieldRef): Promise<LiveRun> {
    const { n, seed } = settings
    const start = planOf(root, engine, 'playground/particles.ts', 'startParticles', [
      T([], 'i32'),
      S(n),
      S(START_SIGMA),
    ])
    const data = planOf(root, engine, 'stdlib/toy2d/datasets.ts', settings.data, [T([], 'i32'), S(n)])
    const [x] = await engine.run(start, [key(seed)])
    const [d] = await engine.run(data, [key(seed + 1)])
    const run = new LiveRun(root, engine, settings, LiveRun.stepPlan(root, engine, n, field), x, d)
    engine.profile.clear()
    return run
  }

  private static stepPlan(root: string, engine: Engine, n: number, field: FieldRef): Plan {
    const fn: ArgSpec = { tag: 'fn', ref: { file: `${root}/${field.file}`, exportName: field.name } }
    return planOf(root, engine, 'playground/particles.ts', 'driftStep', [fn, T([n, 2]), T([n, 2]), T([]), T([])])
  }

  /** Go on with another field (the particles stay where they are). */
  useField(field: FieldRef): void {
    this.stepPlan = LiveRun.stepPlan(this.root, this.engine, this.settings.n, field)
    this.engine.profile.clear()
  }

  /** One step; a non-finite position stops the run with the step and the particle. */
  async step(): Promise<void> {
    const { tau, eta } = this.settings
    const [x] = await this.engine.run(this.stepPlan, [this.x, this.data, scalar(tau), scalar(eta)])
    const bad = Array.prototype.findIndex.call(x.data, (v: number) => !Number.isFinite(v))
    if (bad >= 0)
      throw new Error(
        `step ${this.steps + 1}: the field moved particle ${bad >> 1} to ${x.data[bad]} (τ = ${tau}, η = ${eta}); the run stopped`,
      )
    this.x = x
    this.steps++
  }

  /** Each kernel's median milliseconds per call, and its share of the time, costliest first. */
  kernelTimes(): { name: string; median: number; share: number; what: string }[] {
    const rows = [...this.engine.profile].map(([name, t]) => {
      const s = [...t.ms].sort((a, b) => a - b)
      return { name, median: s[s.length >> 1], total: t.ms.reduce((a, b) => a + b, 0), what: t.what }
    })
    const all = rows.reduce((a, r) => a + r.total, 0) || 1
    return rows
      .sort((a, b) => b.total - a.total)
      .map((r) => ({ name: r.name, median: r.median, share: r.total / all, what: r.what }))
  }
}

/** Samples (blue) against data (orange) in [−2, 2]². */
export function draw(canvas: HTMLCanvasElement, data: ArrayLike<number>, x: ArrayLike<number>): void {
  const g = canvas.getContext('2d')!
  const w = canvas.width
  const h = canvas.height
  g.clearRect(0, 0, w, h)
  const dot = (pts: ArrayLike<number>, color: string) => {
    g.fillStyle = color
    for (let i = 0; i + 1 < pts.length; i += 2) {
      const px = ((pts[i] + 2) / 4) * w
      const py = ((2 - pts[i + 1]) / 4) * h
      g.fillRect(px - 1.5, py - 1.5, 3, 3)
    }
  }
  dot(data, 'rgba(221, 107, 32, 0.7)')
  dot(x, 'rgba(43, 108, 176, 0.85)')
}

export { DRAW_EVERY, STEPS_PER_SLICE }
