/**
 * A WebGPU device as drift uses it, wherever the adapter comes from (Dawn in Node: adapter.ts; a
 * browser's navigator.gpu: browserDevice.ts): the adapter's limits requested for the device, and
 * the measured loop budget of devices that stop long loops early. Nothing here imports Node.
 */

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
  /** Dawn's API in Node; 'browser' for a browser's navigator.gpu */
  api: WebGPUApi | 'browser'
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

export const isSoftware = (d: string) => /llvmpipe|lavapipe|swiftshader|softpipe/i.test(d)

export type Adapter = GPUAdapter & { info?: GPUAdapterInfo }

export function describe(a: Adapter): string {
  const i = a.info ?? ({} as Partial<GPUAdapterInfo>)
  return [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ').trim() || 'unknown adapter'
}

/** The calibration kernel: one thread counts the trips of a loop whose length it reads at run time. */
export const CALIBRATION_TRIPS = 1 << 20
export const CALIBRATION_WGSL = `@group(0) @binding(0) var<storage, read_write> c: array<u32>;
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

/** A device on `adapter` with the adapter's own limits (and timestamps when profiling and offered), its loop budget measured. */
export async function openDevice(
  gpu: GPU,
  adapter: Adapter,
  api: AdapterInfo['api'],
  flags: Acquired['flags'],
  profile: boolean,
): Promise<Acquired> {
  const limits = Object.fromEntries(LIMIT_NAMES.map((n) => [n, adapter.limits[n]])) as DeviceLimits
  const timestamps = adapter.features.has('timestamp-query')
  const device = await adapter.requestDevice({
    requiredLimits: limits,
    requiredFeatures: profile && timestamps ? ['timestamp-query'] : [],
  })
  const description = describe(adapter)
  const budget = await loopBudget(device, flags)
  if (budget !== undefined) limits.maxThreadIterations = budget
  return { gpu, device, info: { api, description, software: isSoftware(description), limits, timestamps }, flags }
}
