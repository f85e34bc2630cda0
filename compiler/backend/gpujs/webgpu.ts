/**
 * WebGPU for gpu.js in Node: Dawn from the `webgpu` package (gpu.js's own pin does not load on
 * glibc 2.36), installed as `navigator.gpu`. Vulkan first (a real GPU, or a recent lavapipe);
 * otherwise Dawn's OpenGL backend on EGL without a display (Mesa llvmpipe on a CPU-only machine),
 * which needs the 'compatibility' feature level.
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export interface WebGPUInfo {
  api: 'vulkan' | 'opengl'
  description: string
  /** Software rasterizers (llvmpipe, lavapipe, SwiftShader) run on the CPU. */
  software: boolean
}

interface GPUish {
  requestAdapter(
    o?: object,
  ): Promise<{ info?: { description?: string; device?: string; vendor?: string; architecture?: string } } | null>
}

let ready: Promise<WebGPUInfo> | undefined
export let webgpuActive = false

const isSoftware = (d: string) => /llvmpipe|lavapipe|swiftshader|softpipe/i.test(d)

/** Install navigator.gpu once; rejects with the reason when no adapter is found. */
export function initWebGPU(): Promise<WebGPUInfo> {
  return (ready ??= (async () => {
    process.env.EGL_PLATFORM ??= 'surfaceless'
    const { create, globals } = require('webgpu') as { create(flags: string[]): GPUish; globals: object }
    Object.assign(globalThis, globals)
    // a probe that already found the OpenGL path spares Dawn's noisy Vulkan search
    const skipVulkan = process.env.DRIFT_WEBGPU_API === 'opengl'
    let gpu = create(skipVulkan ? ['backend=opengl'] : [])
    let adapter = skipVulkan ? null : await gpu.requestAdapter()
    let api: WebGPUInfo['api'] = 'vulkan'
    if (!adapter) {
      gpu = create(['backend=opengl'])
      const request = gpu.requestAdapter.bind(gpu)
      gpu.requestAdapter = (o = {}) => request({ featureLevel: 'compatibility', ...o })
      adapter = await gpu.requestAdapter()
      api = 'opengl'
    }
    if (!adapter) throw new Error('no WebGPU adapter: Dawn found neither a Vulkan device nor OpenGL through EGL')
    const info = adapter.info ?? {}
    const description =
      [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unknown adapter'
    ;(globalThis as { navigator?: object }).navigator = { gpu }
    webgpuActive = true
    return { api, description, software: isSoftware(description) }
  })())
}

/** The adapter search, as a script for a short-lived child process (Dawn keeps a process alive). */
const PROBE = `
process.env.EGL_PLATFORM = process.env.EGL_PLATFORM || 'surfaceless'
const { create, globals } = require('webgpu')
Object.assign(globalThis, globals)
;(async () => {
  let api = 'vulkan'
  let adapter = await create([]).requestAdapter()
  if (!adapter) { api = 'opengl'; adapter = await create(['backend=opengl']).requestAdapter({ featureLevel: 'compatibility' }) }
  if (!adapter) process.exit(1)
  const i = adapter.info || {}
  console.log(JSON.stringify({ api, description: [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ') }))
  process.exit(0)
})().catch(() => process.exit(1))
`

/** Which adapter WebGPU would get here, asked of a child process; undefined when there is none. */
export function probeWebGPU(packageRoot: string): WebGPUInfo | undefined {
  const r = spawnSync(process.execPath, ['-e', PROBE], { cwd: packageRoot, encoding: 'utf8', timeout: 30_000 })
  const line = r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined
  if (!line) return undefined
  const { api, description } = JSON.parse(line) as { api: WebGPUInfo['api']; description: string }
  return { api, description, software: isSoftware(description) }
}
