/** The backends by name (index.ts makes them; this list loads nothing, for the command line's usage and checks). */
export const BACKEND_NAMES = ['interpreter', 'wasm', 'cpu', 'webasm', 'webasm-threads', 'webgpu'] as const
export type BackendName = (typeof BACKEND_NAMES)[number]

export const isBackendName = (s: string): s is BackendName => (BACKEND_NAMES as readonly string[]).includes(s)
