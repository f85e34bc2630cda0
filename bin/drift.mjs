#!/usr/bin/env node
// The `drift` command. TypeScript sources run directly: tsx compiles them on load.
import { register } from 'tsx/esm/api'

register()
// `drift inspect … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0)
  throw e
})
const { main } = await import('../cli/drift.ts')
const code = await main(process.argv.slice(2))
// Dawn (WebGPU) keeps the event loop alive: once a program used it, leave explicitly after the output drains.
const { webgpuActive } = await import('../compiler/backend/webgpu/adapter.ts')
if (webgpuActive) process.stdout.write('', () => process.exit(code))
else process.exitCode = code
