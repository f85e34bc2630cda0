/**
 * What the webgpu tests share: the adapters they run on, and a run on the device against the float64 interpreter.
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
import { expectClose, lower, ROOT, type Tolerance } from './helpers.js'
import { accumulationLengths, float32Tolerance } from './tolerance.js'

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
      // shown as skipped in the summary, with the reason; run, it checks what it names
      describe(title, () =>
        test.skip(`an adapter exists (none here: ${noAdapterMessage(api)})`, () =>
          expect(probeWebGPU(ROOT, api)).toBeTruthy()),
      )
    }
  }
}

/**
 * Run a specialization on the device, lowered under the adapter's limits, and compare every output
 * with the float64 interpreter: float outputs within `tol32[i]` where given, else float32Tolerance
 * (test/tolerance.ts), integer and boolean outputs exactly. Returns the device's outputs.
 */
export async function differential(
  t: GpuTarget,
  spec: Specialized,
  inputs: NDArray[],
  where: string,
  tol32?: Record<number, Tolerance>,
): Promise<NDArray[]> {
  const { plan } = lowerGraph(spec.graph, {}, webgpuLimits(t.info.limits))
  const got = await t.runtime.run(plan, inputs)
  const want = interpret(spec.graph, inputs, 'f64')
  const lengths = accumulationLengths(spec.graph)
  expect(got.length, `${where}: number of outputs`).toBe(want.length)
  want.forEach((w, i) => {
    const g = got[i]
    expect(g.shape, `${where}: shape of output ${i}`).toEqual(w.shape)
    expect(g.dtype, `${where}: dtype of output ${i}`).toBe(w.dtype)
    if (w.dtype === 'f32')
      expectClose(
        g.data,
        w.data,
        tol32?.[i] ?? float32Tolerance(lengths[i], w.data),
        `${where}: output ${i} (L = ${lengths[i]})`,
      )
    else expect(Array.from(g.data), `${where}: output ${i} (${w.dtype}, exact)`).toEqual(Array.from(w.data))
  })
  return got
}

const lowered = new Map<string, Specialized>()
/** `lower` once per file, function and argument specs: the adapters share a specialization. */
export function lowerOnce(file: string, fn: string, args: ArgSpec[]): Specialized {
  const key = JSON.stringify([file, fn, args])
  let s = lowered.get(key)
  if (!s) lowered.set(key, (s = lower(file, fn, args)))
  return s
}
