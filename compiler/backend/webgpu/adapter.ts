/**
 * WebGPU in Node: Dawn from the `webgpu` package, on Vulkan (a GPU's driver, or Mesa's lavapipe on
 * a CPU) or on OpenGL through EGL without a display (Mesa's llvmpipe), which Dawn offers at its
 * 'compatibility' feature level. DRIFT_WEBGPU_API=vulkan or opengl picks one API; by default
 * Vulkan is asked first. The device is created with the adapter's own limits, not WebGPU's
 * defaults, so plans are lowered under what the hardware binds (limits.ts).
 */
import { spawnSync } from 'node:child_process'
import type { create as createGPU } from 'webgpu'
import {
  CALIBRATION_TRIPS,
  CALIBRATION_WGSL,
  isSoftware,
  LIMIT_NAMES,
  openDevice,
  WEBGPU_APIS,
  type Acquired,
  type Adapter,
  type AdapterInfo,
  type WebGPUApi,
} from './device.js'

export { LIMIT_NAMES, WEBGPU_APIS, type Acquired, type DeviceLimits, type WebGPUApi } from './device.js'

/** An adapter Dawn found in Node: on Vulkan or OpenGL. */
export type DawnAdapterInfo = AdapterInfo & { api: WebGPUApi }
/** The adapter info of either platform (device.ts). */
export type { AdapterInfo }

/** The API DRIFT_WEBGPU_API asks for, or undefined (try Vulkan, then OpenGL). */
export function requestedApi(): WebGPUApi | undefined {
  const v = process.env.DRIFT_WEBGPU_API
  if (v === undefined || v === '') return undefined
  if (!(WEBGPU_APIS as readonly string[]).includes(v))
    throw new Error(`DRIFT_WEBGPU_API='${v}' is not a WebGPU API drift uses: choose ${WEBGPU_APIS.join(' or ')}`)
  return v as WebGPUApi
}

/** Why no adapter was found, in one line with what to install. */
export function noAdapterMessage(api: WebGPUApi | undefined): string {
  const vulkan =
    'Vulkan needs libvulkan1 and a driver (a GPU vendor ICD, or Mesa ≥ 25 lavapipe: apt-get install -t bookworm-backports mesa-vulkan-drivers)'
  const opengl = 'OpenGL needs EGL and Mesa (apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri)'
  if (api === 'vulkan') return `Dawn found no Vulkan adapter: ${vulkan}`
  if (api === 'opengl') return `Dawn found no OpenGL adapter through EGL: ${opengl}`
  return `Dawn found no WebGPU adapter: ${vulkan}; ${opengl}`
}

async function adapterFor(create: typeof createGPU, api: WebGPUApi): Promise<{ gpu: GPU; adapter: Adapter | null }> {
  const gpu = create([`backend=${api}`])
  // Dawn offers OpenGL only at the compatibility feature level
  const adapter = (await gpu.requestAdapter(
    api === 'opengl' ? ({ featureLevel: 'compatibility' } as object) : {},
  )) as Adapter
  return { gpu, adapter }
}

let dawn: Promise<{ create: typeof createGPU; globals: Record<string, unknown> }> | undefined
/** Set once a device exists: Dawn may keep the process alive, so the CLI exits explicitly. */
export let webgpuActive = false

/** A device on the requested API (or the first that works), with the adapter's limits. */
export async function acquireDevice(api = requestedApi(), profile = false): Promise<Acquired> {
  process.env.EGL_PLATFORM ??= 'surfaceless'
  dawn ??= import('webgpu') as Promise<{ create: typeof createGPU; globals: Record<string, unknown> }>
  const { create, globals } = await dawn
  for (const tryApi of api ? [api] : WEBGPU_APIS) {
    const { gpu, adapter } = await adapterFor(create, tryApi)
    if (!adapter) continue
    webgpuActive = true
    const flags = {
      usage: globals.GPUBufferUsage as typeof GPUBufferUsage,
      mapMode: globals.GPUMapMode as typeof GPUMapMode,
    }
    return openDevice(gpu, adapter, tryApi, flags, profile)
  }
  throw new Error(noAdapterMessage(api))
}

/** The adapter search as a script for a short-lived child process (plain JavaScript: it also runs from the AOT bundle). */
const PROBE = `
process.env.EGL_PLATFORM = process.env.EGL_PLATFORM || 'surfaceless'
const names = ${JSON.stringify(LIMIT_NAMES)}
;(async () => {
  const { create, globals } = await import('webgpu')
  const U = globals.GPUBufferUsage
  for (const api of process.argv[1].split(',')) {
    const gpu = create(['backend=' + api])
    const adapter = await gpu.requestAdapter(api === 'opengl' ? { featureLevel: 'compatibility' } : {})
    if (!adapter) continue
    const i = adapter.info || {}
    const limits = Object.fromEntries(names.map((n) => [n, adapter.limits[n]]))
    // the loop budget, measured as acquireDevice measures it
    const device = await adapter.requestDevice()
    const counts = device.createBuffer({ size: 8, usage: U.STORAGE | U.COPY_SRC | U.COPY_DST })
    const read = device.createBuffer({ size: 8, usage: U.MAP_READ | U.COPY_DST })
    device.queue.writeBuffer(counts, 0, Uint32Array.of(${CALIBRATION_TRIPS}, 0))
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: ${JSON.stringify(CALIBRATION_WGSL)} }), entryPoint: 'main' } })
    const enc = device.createCommandEncoder()
    const pass = enc.beginComputePass()
    pass.setPipeline(pipeline)
    pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: counts } }] }))
    pass.dispatchWorkgroups(1)
    pass.end()
    enc.copyBufferToBuffer(counts, 0, read, 0, 8)
    device.queue.submit([enc.finish()])
    await read.mapAsync(globals.GPUMapMode.READ)
    const ran = new Uint32Array(read.getMappedRange().slice(0))[1]
    if (ran < ${CALIBRATION_TRIPS}) limits.maxThreadIterations = ran
    const description = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ').trim() || 'unknown adapter'
    console.log(JSON.stringify({ api, description, limits, timestamps: adapter.features.has('timestamp-query') }))
    process.exit(0)
  }
  process.exit(3)
})().catch((e) => { console.error(e && e.message); process.exit(1) })
`

const probed = new Map<string, DawnAdapterInfo | undefined>()

/**
 * Which adapter WebGPU gets here, asked of a child process (Dawn's adapter search prints its own
 * warnings and may keep a process alive); undefined when there is none. Cached per API request.
 */
export function probeWebGPU(packageRoot: string, api = requestedApi()): DawnAdapterInfo | undefined {
  const key = api ?? 'any'
  if (probed.has(key)) return probed.get(key)
  const r = spawnSync(process.execPath, ['-e', PROBE, (api ? [api] : WEBGPU_APIS).join(',')], {
    cwd: packageRoot,
    encoding: 'utf8',
    timeout: 60_000,
  })
  const line = r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined
  let info: DawnAdapterInfo | undefined
  if (line) {
    const p = JSON.parse(line) as Omit<DawnAdapterInfo, 'software'>
    info = { ...p, software: isSoftware(p.description) }
  }
  probed.set(key, info)
  if (info && !api) probed.set(info.api, info)
  return info
}
