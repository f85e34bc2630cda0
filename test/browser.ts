/**
 * What the browser tests share: a headless Chromium (Debian's `chromium`, driven by playwright-core)
 * and a small local HTTP server for a folder, with or without the cross-origin isolation headers.
 *
 * The executable is DRIFT_CHROMIUM, else /usr/bin/chromium or /usr/bin/chromium-browser. With
 * DRIFT_REQUIRE_BROWSER=1 (CI sets it) a missing browser is a failing test naming what to install;
 * without it the tests are skipped and the file says so loudly on stderr.
 */
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

export const REQUIRE_BROWSER = process.env.DRIFT_REQUIRE_BROWSER === '1'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser']

/** The Chromium executable to launch, or undefined when there is none. */
export function chromiumPath(): string | undefined {
  const given = process.env.DRIFT_CHROMIUM
  if (given !== undefined && given !== '') {
    if (!fs.existsSync(given)) throw new Error(`DRIFT_CHROMIUM=${given}: no such file; unset it or name a chromium`)
    return given
  }
  return CANDIDATES.find((p) => fs.existsSync(p))
}

export const NO_BROWSER = `no Chromium at ${CANDIDATES.join(' or ')}: install Debian's chromium (apt-get install chromium) or set DRIFT_CHROMIUM to one`

/** Launch headless Chromium with extra command-line flags (e.g. for WebGPU). */
export function launchChromium(args: string[] = []): Promise<Browser> {
  const executablePath = chromiumPath()
  if (!executablePath) throw new Error(NO_BROWSER)
  return chromium.launch({ executablePath, args })
}

/**
 * `body` in a describe block with a browser launched before its tests and closed after them
 * (`browser()` returns it). A missing browser fails (DRIFT_REQUIRE_BROWSER=1) or is skipped with a warning.
 */
export function describeInBrowser(name: string, body: (browser: () => Browser) => void, args: string[] = []): void {
  const title = `${name} (headless Chromium)`
  if (chromiumPath()) {
    describe(title, () => {
      let b: Browser | undefined
      beforeAll(async () => {
        b = await launchChromium(args)
      })
      afterAll(async () => {
        await b?.close()
      })
      body(() => {
        if (!b) throw new Error('the browser did not launch (see the error of the hook before this test)')
        return b
      })
    })
  } else if (REQUIRE_BROWSER) {
    describe(title, () =>
      test('a browser exists (DRIFT_REQUIRE_BROWSER=1)', () => {
        throw new Error(`${NO_BROWSER}; DRIFT_REQUIRE_BROWSER=1 makes a missing browser a failure`)
      }),
    )
  } else {
    process.stderr.write(
      `\n*** ${title}: SKIPPED — ${NO_BROWSER}. Set DRIFT_REQUIRE_BROWSER=1 to make this a failure. ***\n\n`,
    )
    // shown as skipped in the summary, with the reason; run, it checks what it names
    describe(title, () =>
      test.skip(`a browser exists (none here: ${NO_BROWSER})`, () => expect(chromiumPath()).toBeTruthy()),
    )
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
}

/** The headers that make a page cross-origin isolated (SharedArrayBuffer, shared WebAssembly memory). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

export interface Served {
  /** The folder's address, ending in '/'. */
  url: string
  close(): Promise<void>
}

/**
 * Serve `dir` over HTTP on 127.0.0.1 (a free port); `files` are served beside it from memory
 * (e.g. a test page) and win over files on disk. `isolated` sends the cross-origin isolation headers.
 * Only GET of files inside the folder is answered; anything else is a 404 or 405.
 */
export async function serveFolder(
  dir: string,
  opts: { isolated: boolean; files?: Record<string, string | Uint8Array> },
): Promise<Served> {
  const root = path.resolve(dir)
  const server = http.createServer((req, res) => {
    const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...(opts.isolated ? ISOLATION_HEADERS : {}) }
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, headers).end()
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname).replace(/^\/+/, '')
    const file = path.resolve(root, name === '' ? 'index.html' : name)
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream'
    const inMemory = opts.files?.[path.relative(root, file)]
    if (inMemory !== undefined) return void res.writeHead(200, { ...headers, 'Content-Type': type }).end(inMemory)
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile())
      return void res.writeHead(404, headers).end()
    res.writeHead(200, { ...headers, 'Content-Type': type }).end(fs.readFileSync(file))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  }
}

/** A page at `url`, with the page's uncaught errors and console errors collected (for failure messages). */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  await page.goto(url)
  return { page, errors }
}
