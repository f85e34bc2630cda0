/** `drift playground [--port N]`: serve the playground on 127.0.0.1 and print its address. */
import { parseArgs } from 'node:util'
import { UsageError } from '../compiler/cli/shapes.js'

export const PLAYGROUND_USAGE =
  'drift playground [--port N]   the playground (editor, compiler views, live drifting) on 127.0.0.1, port N (default 8420)'
const DEFAULT_PORT = 8420

/** A TCP port from its text: a whole number from 1 to 65535. */
export function parsePort(text: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < 1 || n > 65535)
    throw new UsageError(`--port must be a whole number from 1 to 65535, got '${text}'`)
  return n
}

export async function playgroundCommand(rest: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { port: { type: 'string' } },
  })
  if (positionals.length) throw new UsageError(`playground takes no file: ${PLAYGROUND_USAGE}`)
  const port = values.port === undefined ? DEFAULT_PORT : parsePort(values.port)
  const { servePlayground } = await import('../playground/server.js')
  try {
    const { url } = await servePlayground(port)
    console.log(`drift playground: serving ${url} (Ctrl-C stops it)`)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE' || code === 'EACCES')
      throw new UsageError(
        `port ${port} on 127.0.0.1 is ${code === 'EADDRINUSE' ? 'in use' : 'not allowed'}: choose another with --port N`,
      )
    throw e
  }
  return 0
}
