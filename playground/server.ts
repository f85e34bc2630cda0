/**
 * `drift playground`: the playground's files, built in memory at start, served on 127.0.0.1 with
 * the cross-origin isolation headers (an isolated page's clock is precise enough for per-kernel times).
 * Only GET and HEAD of the site's own files are answered.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildSite } from './site.js'

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  wasm: 'application/wasm',
}

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

export interface Server {
  url: string
  close(): Promise<void>
}

/** Serve the playground on 127.0.0.1:`port` (0: a free port). A port in use is refused with the error's code. */
export async function servePlayground(port: number): Promise<Server> {
  const files = await buildSite()
  const server = http.createServer((req, res) => {
    const headers = { 'Cache-Control': 'no-cache', ...ISOLATION_HEADERS }
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, headers).end()
    const name = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/^\/+/, '') || 'index.html'
    const data = files.get(name)
    if (data === undefined) return void res.writeHead(404, headers).end()
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[name.split('.').pop()!] ?? 'application/octet-stream' })
    res.end(req.method === 'HEAD' ? undefined : data)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  const bound = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  }
}
