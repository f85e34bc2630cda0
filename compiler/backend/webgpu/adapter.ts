/**
 * WebGPU in Node: Dawn from the `webgpu` package, on Vulkan (a GPU's driver, or Mesa's lavapipe on
 * a CPU) or on OpenGL through EGL without a display (Mesa's llvmpipe), which Dawn offers at its
 * 'compatibility' feature level. DRIFT_WEBGPU_API=vulkan or opengl picks one API; by default
 * Vulkan is asked first. The device is created with the adapter's own limits, not WebGPU's
 * defaults, so plans are lowered under what the hardware binds (limits.ts).
 */
import { spawnSync } from 'node:child_process'
import type { create as createGPU } from 'webgpu'

export type WebGPUApi = 'vulkan' | 'opengl'
export const WEBGPU_APIS: readonly WebGPUApi[] = ['vulkan', 'opengl']

/** The adapter limits drift lowers plans under and requests for its device. */
export const LIMIT_NAMES = [
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
] as const
export type DeviceLimits = Record<(typeof LIMIT_NAMES)[number], number> & {
  /**
   * Loop iterations after which the driver stops a thread's loops, all loops of the thread counted
   * together, when it does (Mesa 22's llvmpipe OpenGL stops them after 65535 and returns what it
   * has: partial sums). Measured on the device (loopBudget); absent when loops run to the end.
   */
  maxThreadIterations?: number
}

export interface AdapterInfo {
  api: WebGPUApi
  description: string
  /** Software rasterizers (llvmpipe, lavapipe, SwiftShader) run on the CPU. */
  software: boolean
  limits: DeviceLimits
  /** Can the device time kernels (the 'timestamp-query' feature)? */
  timestamps: boolean
}

export interface Acquired {
  /** Dawn's instance: it must stay reachable as long as the device is used (collecting it tears Dawn down). */
  gpu: GPU
  device: GPUDevice
  info: AdapterInfo
  /** The usage and map-mode flags of this Dawn build. */
  flags: { usage: typeof GPUBufferUsage; mapMode: typeof GPUMapMode }
}

const isSoftware = (d: string) => /llvmpipe|lavapipe|swiftshader|softpipe/i.test(d)

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

type Adapter = GPUAdapter & { info?: GPUAdapterInfo }

function describe(a: Adapter): string {
  const i = a.info ?? ({} as Partial<GPUAdapterInfo>)
  return [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ').trim() || 'unknown adapter'
}

async function adapterFor(create: typeof createGPU, api: WebGPUApi): Promise<{ gpu: GPU; adapter: Adapter | null }> {
  const gpu = create([`backend=${api}`])
  // Dawn offers OpenGL only at the compatibility feature level
  const adapter = (await gpu.requestAdapter(
    api === 'opengl' ? ({ featureLevel: 'compatibility' } as object) : {},
  )) as Adapter
  return { gpu, adapter }
}

/** The calibration kernel: one thread counts the trips of a loop whose length it reads at run time. */
const CALIBRATION_TRIPS = 1 << 20
const CALIBRATION_WGSL = `@group(0) @binding(0) var<storage, read_write> c: array<u32>;
@compute @workgroup_size(1) fn main() { let n = c[0]; var k = 0u; for (var i = 0u; i < n; i++) { k = k + 1u; } c[1] = k; }`

/** How many loop iterations a thread of this device runs before its loops stop early, or undefined when they do not. */
async function loopBudget(device: GPUDevice, flags: Acquired['flags']): Promise<number | undefined> {
  const { usage, mapMode } = flags
  const counts = device.createBuffer({ size: 8, usage: usage.STORAGE | usage.COPY_SRC | usage.COPY_DST })
  const read = device.createBuffer({ size: 8, usage: usage.MAP_READ | usage.COPY_DST })
  device.queue.writeBuffer(counts, 0, Uint32Array.of(CALIBRATION_TRIPS, 0))
  const pipeline = device.createComputePipeline({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code: CALIBRATION_WGSL }), entryPoint: 'main' },
  })
  const enc = device.createCommandEncoder()
  const pass = enc.beginComputePass()
  pass.setPipeline(pipeline)
  pass.setBindGroup(
    0,
    device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: counts } }],
    }),
  )
  pass.dispatchWorkgroups(1)
  pass.end()
  enc.copyBufferToBuffer(counts, 0, read, 0, 8)
  device.queue.submit([enc.finish()])
  await read.mapAsync(mapMode.READ)
  const ran = new Uint32Array(read.getMappedRange().slice(0))[1]
  read.unmap()
  counts.destroy()
  read.destroy()
  return ran < CALIBRATION_TRIPS ? ran : undefined
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
    const limits = Object.fromEntries(LIMIT_NAMES.map((n) => [n, adapter.limits[n]])) as DeviceLimits
    const timestamps = adapter.features.has('timestamp-query')
    const device = await adapter.requestDevice({
      requiredLimits: limits,
      requiredFeatures: profile && timestamps ? ['timestamp-query'] : [],
    })
    webgpuActive = true
    const description = describe(adapter)
    const flags = {
      usage: globals.GPUBufferUsage as typeof GPUBufferUsage,
      mapMode: globals.GPUMapMode as typeof GPUMapMode,
    }
    const budget = await loopBudget(device, flags)
    if (budget !== undefined) limits.maxThreadIterations = budget
    return {
      gpu,
      device,
      info: { api: tryApi, description, software: isSoftware(description), limits, timestamps },
      flags,
    }
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

const probed = new Map<string, AdapterInfo | undefined>()

/**
 * Which adapter WebGPU gets here, asked of a child process (Dawn's adapter search prints its own
 * warnings and may keep a process alive); undefined when there is none. Cached per API request.
 */
export function probeWebGPU(packageRoot: string, api = requestedApi()): AdapterInfo | undefined {
  const key = api ?? 'any'
  if (probed.has(key)) return probed.get(key)
  const r = spawnSync(process.execPath, ['-e', PROBE, (api ? [api] : WEBGPU_APIS).join(',')], {
    cwd: packageRoot,
    encoding: 'utf8',
    timeout: 60_000,
  })
  const line = r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined
  let info: AdapterInfo | undefined
  if (line) {
    const p = JSON.parse(line) as Omit<AdapterInfo, 'software'>
    info = { ...p, software: isSoftware(p.description) }
  }
  probed.set(key, info)
  if (info && !api) probed.set(info.api, info)
  return info
}
