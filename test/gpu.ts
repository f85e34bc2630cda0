/**
 * What the webgpu tests share: the adapters they run on and the per-element comparison.
 *
 * Adapters: Dawn on Vulkan (Mesa's lavapipe on a machine without a GPU) and on OpenGL through EGL
 * (Mesa's llvmpipe). Each test file asks a child process once per API. With DRIFT_REQUIRE_GPU=1
 * (CI sets it) a missing adapter is a failing test naming what to install; without it the tests of
 * that adapter are skipped and the file says so loudly on stderr.
 */
import { afterAll, describe, expect, test } from 'vitest'
import {
  noAdapterMessage,
  probeWebGPU,
  WEBGPU_APIS,
  type AdapterInfo,
  type WebGPUApi,
} from '../compiler/backend/webgpu/adapter.js'
import { WebGPURuntime } from '../compiler/backend/webgpu/run.js'
import { webgpuLimits } from '../compiler/backend/webgpu/limits.js'
import { lowerGraph } from '../compiler/fusion/lower.js'
import type { Specialized } from '../compiler/frontend/specialize.js'
import { interpret } from '../compiler/ir/interpret.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import type { ArgSpec } from '../compiler/frontend/specialize.js'
import { accumulationLength, freshSeed, lower, rng, ROOT } from './helpers.js'

export const REQUIRE_GPU = process.env.DRIFT_REQUIRE_GPU === '1'

export interface GpuTarget {
  api: WebGPUApi
  info: AdapterInfo
  runtime: WebGPURuntime
}

/** One runtime per adapter for the whole file (its pipelines are compiled once), destroyed after the file. */
const targets = new Map<WebGPUApi, GpuTarget>()
function targetFor(api: WebGPUApi, info: AdapterInfo): GpuTarget {
  let t = targets.get(api)
  if (!t) {
    if (targets.size === 0) afterAll(() => targets.forEach((x) => x.runtime.destroy()))
    targets.set(api, (t = { api, info, runtime: new WebGPURuntime({ api }) }))
  }
  return t
}

/**
 * `body` once per adapter, in a describe block named after it. An adapter that is missing fails
 * (DRIFT_REQUIRE_GPU=1) or is skipped with a warning.
 */
export function describeEachAdapter(name: string, body: (t: GpuTarget) => void): void {
  for (const api of WEBGPU_APIS) {
    const info = probeWebGPU(ROOT, api)
    const title = `${name} (webgpu on ${api})`
    if (info) {
      const t = targetFor(api, info)
      describe(title, () => body(t))
    } else if (REQUIRE_GPU) {
      describe(title, () =>
        test('an adapter exists (DRIFT_REQUIRE_GPU=1)', () => {
          throw new Error(`${noAdapterMessage(api)}; DRIFT_REQUIRE_GPU=1 makes a missing adapter a failure`)
        }),
      )
    } else {
      process.stderr.write(
        `\n*** ${title}: SKIPPED — ${noAdapterMessage(api)}. Set DRIFT_REQUIRE_GPU=1 to make this a failure. ***\n\n`,
      )
      describe.skip(title, () => test('skipped: no adapter', () => {}))
    }
  }
}

export interface Tolerance {
  /** Per-element relative bound. */
  rtol: number
  /** Absolute floor, added to the relative bound (for elements near zero). */
  atol: number
}

/**
 * Every element within |got − want| ≤ rtol·|want| + atol; a NaN anywhere fails. The bound must be
 * able to catch a 1 % error: some element must have 1 % of itself above its own bound, or the
 * comparison could not fail and the test is refused (an output of zeros is compared exactly).
 */
export function expectElementwise(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length)
  let worst = -1
  let at = -1
  let sensitive = false
  let zero = true
  for (let i = 0; i < want.length; i++) {
    const bound = tol.rtol * Math.abs(want[i]) + tol.atol
    if (0.01 * Math.abs(want[i]) > bound) sensitive = true
    if (want[i] !== 0) zero = false
    const excess = Math.abs(got[i] - want[i]) / bound
    if (!(excess <= worst)) {
      worst = excess
      at = i
    }
  }
  if (process.env.DEBUG_TOL) process.stderr.write(`TOL ${worst.toFixed(3)} ${what}\n`)
  // an output that is all zeros has no 1 % error to catch: it must be (all but) exact
  if (!zero && !sensitive)
    throw new Error(`${what}: the tolerance (rtol ${tol.rtol}, atol ${tol.atol}) would not catch a 1 % error`)
  if (!(worst <= 1))
    throw new Error(
      `${what}: element ${at} is ${got[at]}, want ${want[at]} (|error| ${Math.abs(got[at] - want[at])} > ${tol.rtol}·|want| + ${tol.atol})`,
    )
}

/**
 * The float32 tolerance for an output: relative 2⁻¹⁷·√L (L the longest chain of terms a result
 * element sums, whose rounding errors grow like √L), and an absolute floor of the same fraction of
 * the output's root-mean-square, for elements that cancel to near zero.
 */
export function float32Tolerance(want: ArrayLike<number>, L: number, factor = 1): Tolerance {
  let ss = 0
  for (let i = 0; i < want.length; i++) ss += want[i] * want[i]
  const rms = Math.sqrt(ss / Math.max(1, want.length))
  const rtol = factor * 2 ** -17 * Math.sqrt(Math.max(1, L))
  return { rtol, atol: rtol * Math.max(rms, 1e-30) }
}

const SEED = process.env.CORPUS_SEED ? Number(process.env.CORPUS_SEED) : undefined

/** Run a specialization on the device and compare every output with the float64 interpreter. */
export async function differential(
  t: GpuTarget,
  spec: Specialized,
  inputs: NDArray[],
  where: string,
  factor = 1,
): Promise<NDArray[]> {
  const { plan } = lowerGraph(spec.graph, {}, webgpuLimits(t.info.limits))
  const got = await t.runtime.run(plan, inputs)
  const want = interpret(spec.graph, inputs, 'f64')
  const L = accumulationLength(spec.graph)
  expect(got.length, `${where}: number of outputs`).toBe(want.length)
  want.forEach((w, i) => {
    const g = got[i]
    expect(g.shape, `${where}: shape of output ${i}`).toEqual(w.shape)
    expect(g.dtype, `${where}: dtype of output ${i}`).toBe(w.dtype)
    if (w.dtype === 'f32')
      expectElementwise(g.data, w.data, float32Tolerance(w.data, L, factor), `${where}: output ${i} (L = ${L})`)
    else expect(Array.from(g.data), `${where}: output ${i} (${w.dtype}, exact)`).toEqual(Array.from(w.data))
  })
  return got
}

/** `body` with a fresh seed (or CORPUS_SEED); the seed is in every failure message. */
export async function seeded(what: string, body: (r: () => number, where: string) => Promise<unknown>): Promise<void> {
  const seed = SEED ?? freshSeed()
  const where = `${what} (seed ${seed}; replay with CORPUS_SEED=${seed})`
  try {
    await body(rng(seed), where)
  } catch (e) {
    if (e instanceof Error && !e.message.includes(`seed ${seed}`)) e.message = `${where}: ${e.message}`
    throw e
  }
}

const lowered = new Map<string, Specialized>()
/** `lower` once per file, function and argument specs: the adapters share a specialization. */
export function lowerOnce(file: string, fn: string, args: ArgSpec[]): Specialized {
  const key = JSON.stringify([file, fn, args])
  let s = lowered.get(key)
  if (!s) lowered.set(key, (s = lower(file, fn, args)))
  return s
}
