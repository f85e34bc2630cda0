#!/usr/bin/env node
// The `drift` command. TypeScript sources run directly: tsx compiles them on load.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../compiler/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
