/** Every backend by name; each is made on first use. */
import type { Backend } from './backend.js'
import { interpreterBackend } from './interpreter/index.js'
import { wasmBackend } from './wasm/index.js'
import { gpujsBackend } from './gpujs/index.js'
import { webgpuBackend } from './webgpu/index.js'
import { BACKEND_NAMES, type BackendName } from './names.js'

export { BACKEND_NAMES, type BackendName }

const made = new Map<BackendName, Backend>()

export function backendNamed(name: BackendName): Backend {
  let b = made.get(name)
  if (!b) {
    b =
      name === 'interpreter'
        ? interpreterBackend
        : name === 'wasm'
          ? wasmBackend
          : name === 'webgpu'
            ? webgpuBackend
            : gpujsBackend(name)
    made.set(name, b)
  }
  return b
}

export { isBackendName } from './names.js'
