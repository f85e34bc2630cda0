/** The browser harness (test/browser.ts): the served folder, with and without cross-origin isolation. */
import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import { describeInBrowser, openPage, serveFolder } from './browser.js'
import { ROOT } from './helpers.js'

const DIR = path.join(ROOT, '.drift-cache', `browser-harness-${process.pid}`)
const PAGE = '<!doctype html><script type="module">document.title = "ready"</script>'

describeInBrowser('the test server', (browser) => {
  for (const isolated of [true, false])
    test(`a page served ${isolated ? 'with' : 'without'} the isolation headers is ${isolated ? '' : 'not '}cross-origin isolated`, async () => {
      fs.mkdirSync(DIR, { recursive: true })
      fs.writeFileSync(path.join(DIR, 'data.json'), '{"a":1}')
      const served = await serveFolder(DIR, { isolated, files: { 'index.html': PAGE } })
      try {
        const { page, errors } = await openPage(browser(), served.url)
        await page.waitForFunction(() => document.title === 'ready')
        expect(await page.evaluate(() => crossOriginIsolated)).toBe(isolated)
        expect(await page.evaluate(async () => (await fetch('data.json')).json())).toEqual({ a: 1 })
        const status = (p: string) => page.evaluate(async (u) => (await fetch(u)).status, p)
        expect(await status('missing.json')).toBe(404)
        expect(await status('/..%2f..%2fpackage.json')).toBe(404)
        // the two 404s above (and the favicon's) are logged; nothing else is
        expect(errors.filter((e) => !e.includes('status of 404'))).toEqual([])
        await page.close()
      } finally {
        await served.close()
        fs.rmSync(DIR, { recursive: true, force: true })
      }
    })
})
