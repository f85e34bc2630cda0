/**
 * The playground in headless Chromium (the shared harness, test/browser.ts): the page compiles in the
 * browser; a field typed with an error shows the located diagnostic, fixed it shows the IR and the
 * kernels, and a kernel line clicked marks the source line it came from (and the editor's cursor
 * line marks the kernel lines that came from it); particles drifted by the paper's field for 200
 * steps come close to the data (their MMD to it, computed here by the stdlib's metric in float64,
 * falls), on wasm and, with Chromium's WebGPU switched on (SwiftShader here), on WebGPU.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { describeInBrowser, openPage, serveFolder, type Served } from './browser.js'
import { buildSite } from '../playground/site.js'
import { T, lower, rootPath, run, seeded } from './helpers.js'

/** A small field typed into the editor: a softmax-weighted mean shift, with a misspelt softmax at 3:13. */
const FIELD = (softmax: string) =>
  [
    "import { cdist, dsl, softmax, type Mat, type f32 } from '../../dsl/index.js'",
    'export const paperField = dsl((x: Mat, pos: Mat, neg: Mat, tau: f32): Mat => {',
    `  const w = ${softmax}(cdist(x, pos).div(-tau), 1)`,
    '  return w.matmul(pos).sub(x)',
    '})',
    '',
  ].join('\n')

/** Wait until the page has finished more than `after` compiles; the state it ended in. */
async function compiled(page: Page, after: number): Promise<string> {
  await page.waitForFunction((n) => Number(document.body.dataset.compiles ?? 0) > n, after, { timeout: 60_000 })
  return (await page.evaluate(() => document.body.dataset.state)) ?? ''
}
const compiles = (page: Page) => page.evaluate(() => Number(document.body.dataset.compiles ?? 0))

const N = 256
const mmd = lower(rootPath('stdlib/metrics/mmd.ts'), 'mmd2Biased', [T([N, 2]), T([N, 2]), T([3])])
/** Squared MMD (biased, Gaussian kernels of widths 0.05, 0.2, 1) between two point sets given flat [x0, y0, x1, …]. */
const mmd2 = (x: number[], y: number[]): number => {
  const set = (d: number[]) => ({ shape: [N, 2], dtype: 'f32' as const, data: Float64Array.from(d) })
  return run(mmd, [set(x), set(y), { shape: [3], dtype: 'f32', data: Float64Array.of(0.05, 0.2, 1) }])[0].data[0]
}

/** Replace the editor's text as typing would (one input event, so the debounce and the compile run as on an edit). */
async function typeField(page: Page, text: string): Promise<void> {
  await page.click('.cm-content')
  await page.keyboard.press('Control+A')
  await page.keyboard.insertText(text)
}

/**
 * Run the paper field's particles on `engine` (the page's select) for 1 step, then 199 more, and check
 * that their squared MMD to the data fell below a tenth; `label` is how the page names the engine.
 */
async function drift200(page: Page, engine: 'wasm' | 'webgpu', label: RegExp): Promise<void> {
  await seeded(async (_, seed) => {
    await page.selectOption('#live-engine', engine)
    await page.fill('#live-seed', String(seed % 100_000))
    const points = () =>
      page.evaluate(() => {
        const p = (window as unknown as { driftPlayground: { samples(): number[]; data(): number[] } }).driftPlayground
        return { x: p.samples(), data: p.data() }
      })
    const runSteps = async (steps: number, total: number) => {
      await page.fill('#live-steps', String(steps))
      await page.click('#live-run')
      await page.waitForFunction(
        (n) => document.body.dataset.live === 'error' || document.body.dataset.liveStep === String(n),
        total,
        { timeout: 240_000 },
      )
      await page.waitForFunction(() => document.body.dataset.live !== 'running')
      const stats = (await page.textContent('#live-stats')) ?? ''
      expect(await page.evaluate(() => document.body.dataset.live), stats).toBe('done')
    }
    await runSteps(1, 1)
    const first = await points()
    expect(first.x).toHaveLength(2 * N)
    expect(first.data).toHaveLength(2 * N)
    await runSteps(199, 200)
    const last = await points()
    expect(last.data).toEqual(first.data)
    const [before, after] = [mmd2(first.x, first.data), mmd2(last.x, last.data)]
    expect(after, `${engine}: MMD² to the data after 1 step ${before}, after 200 steps ${after}`).toBeLessThan(
      before / 10,
    )
    expect(await page.textContent('#live-stats')).toMatch(new RegExp(`^step 200 · \\d+ steps/s · ${label.source}`))
    expect(await page.locator('#live-kernels tr').count()).toBeGreaterThan(0)
  })
}

describeInBrowser('playground', (browser) => {
  let served: Served
  let dir: string
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-playground-'))
    const files = Object.fromEntries(await buildSite())
    served = await serveFolder(dir, { isolated: true, files })
  }, 120_000)
  afterAll(async () => {
    await served?.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('compiles in the page: a located diagnostic, then the IR and kernels, each kernel line linked to its source', async () => {
    const { page, errors } = await openPage(browser(), served.url)
    try {
      expect(await compiled(page, 0), errors.join('\n')).toBe('compiled')
      expect(await page.textContent('#status')).toMatch(/paperField: compiled in \d+ ms for (wasm|webgpu)/)

      let n = await compiles(page)
      await typeField(page, FIELD('softmx'))
      expect(await compiled(page, n)).toBe('refused')
      const d = page.locator('#diagnostics li.diagnostic')
      await expect.poll(() => d.count()).toBe(1)
      expect(await d.getAttribute('data-code')).toBe('D107')
      expect([await d.getAttribute('data-line'), await d.getAttribute('data-col')]).toEqual(['3', '13'])
      expect(await d.textContent()).toMatch(/stdlib\/fields\/paper\.ts:3:13: error D107 .*softmx[\s\S]*fix: .*softmax/)
      // the squiggle lies on line 3, under the misspelt name
      await expect.poll(() => page.locator('.cm-lintRange-error').count()).toBeGreaterThan(0)
      expect(await page.locator('.cm-lintRange-error').first().textContent()).toBe('softmx')

      n = await compiles(page)
      await typeField(page, FIELD('softmax'))
      expect(await compiled(page, n), errors.join('\n')).toBe('compiled')
      expect(await page.locator('#diagnostics li').count()).toBe(0)

      await page.click('#tabs button[data-tab="IR"]')
      const ir = await page.locator('#view .line').allTextContents()
      expect(ir.some((l) => /cdist\[squared=false, eps=1e-8\] x pos .*# stdlib\/fields\/paper\.ts:3:\d+/.test(l))).toBe(
        true,
      )

      await page.click('#tabs button[data-tab="Kernels"]')
      const kernels = page.locator('#view .kernel')
      expect(await kernels.count()).toBeGreaterThan(0)
      // a kernel line from line 3 (the softmax over the distances) marks that source line
      const fromLine3 = page.locator('#view .kernel-line[data-line="3"]')
      expect(await fromLine3.count()).toBeGreaterThan(0)
      await fromLine3.first().click()
      await expect.poll(() => page.locator('.cm-drift-marked').count()).toBe(1)
      expect(await page.locator('.cm-drift-marked').textContent()).toBe(
        '  const w = softmax(cdist(x, pos).div(-tau), 1)',
      )
      expect(await page.textContent('#source-note')).toMatch(/^from stdlib\/fields\/paper\.ts:3:\d+$/)

      // the webgpu plan's WGSL is linked line by line too
      let m = await compiles(page)
      await page.selectOption('#plan-backend', 'webgpu')
      expect(await compiled(page, m)).toBe('compiled')
      const wgslFrom3 = page.locator('#view .backend-line[data-line="3"]')
      expect(await wgslFrom3.count()).toBeGreaterThan(0)
      await page.locator('.cm-line').nth(0).click()
      await wgslFrom3.first().click()
      await expect
        .poll(() => page.locator('.cm-drift-marked').textContent())
        .toBe('  const w = softmax(cdist(x, pos).div(-tau), 1)')
      m = await compiles(page)
      await page.selectOption('#plan-backend', 'wasm')
      expect(await compiled(page, m)).toBe('compiled')

      // and back: the cursor on line 4 marks the kernel lines that came from it, and only those
      await page.locator('.cm-line').nth(3).click()
      const marked = page.locator('#view .kernel-line.marked')
      await expect.poll(() => marked.count()).toBeGreaterThan(0)
      const lines = await marked.evaluateAll((ls) => ls.map((l) => (l as HTMLElement).dataset.line))
      expect(new Set(lines)).toEqual(new Set(['4']))
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })

  test('live drifting on wasm: 200 steps of the paper field bring the particles close to the data', async () => {
    const { page, errors } = await openPage(browser(), served.url)
    try {
      expect(await compiled(page, 0), errors.join('\n')).toBe('compiled')
      // a bad setting is one line naming it, before anything runs
      await page.fill('#live-tau', '-1')
      await page.click('#live-run')
      await page.waitForFunction(() => document.body.dataset.live === 'error')
      expect(await page.textContent('#live-stats')).toBe("stopped: τ must be a number above 0 and below 1000, got '-1'")
      expect(await page.evaluate(() => document.body.dataset.liveStep)).toBe('0')
      await page.fill('#live-tau', '0.2')
      await drift200(page, 'wasm', /wasm kernels on the page's thread/)
      expect(errors).toEqual([])
    } finally {
      await page.close()
    }
  })
})

describeInBrowser(
  'playground on WebGPU',
  (browser) => {
    let served: Served
    let dir: string
    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-playground-'))
      served = await serveFolder(dir, { isolated: true, files: Object.fromEntries(await buildSite()) })
    }, 120_000)
    afterAll(async () => {
      await served?.close()
      fs.rmSync(dir, { recursive: true, force: true })
    })

    test("live drifting on the browser's WebGPU adapter: the same 200 steps on drift's WebGPU executor", async () => {
      const { page, errors } = await openPage(browser(), served.url)
      try {
        expect(await compiled(page, 0), errors.join('\n')).toBe('compiled')
        // an adapter makes WebGPU the default engine and the plan shown
        expect(await page.inputValue('#live-engine')).toBe('webgpu')
        expect(await page.textContent('#status')).toMatch(/compiled in \d+ ms for webgpu/)
        await drift200(page, 'webgpu', /WebGPU kernels on /)
        expect(errors).toEqual([])
      } finally {
        await page.close()
      }
    }, 300_000)
  },
  ['--enable-unsafe-webgpu'],
)
