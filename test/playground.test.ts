/**
 * The playground's compile views on sources held in memory (as the page holds them), its site and
 * its server: diagnostics located in the edited file, IR and kernel lines linked to their sources,
 * the backend's code found per kernel, the static files and what the server answers.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { setSourceHost } from '../compiler/frontend/project.js'
import { fileSources } from '../compiler/frontend/fileSources.js'
import { memorySources } from '../compiler/frontend/sourceHost.js'
import { compileViews, fieldSpecs, PLAYGROUND_SIZES, type CodeLine, type PlanBackend } from '../playground/compile.js'
import { wasmPlans, webgpuPlans } from '../playground/backends.js'
import { dslSources } from '../playground/site.js'
import { servePlayground } from '../playground/server.js'
import { parsePort } from '../cli/playground.js'
import { FIELDS } from '../stdlib/fields/catalog.js'

/** A package root that exists nowhere on disk: everything the compiler reads must come from memory. */
const ROOT = '/in-memory/drift'
const PAPER = `${ROOT}/stdlib/fields/paper.ts`
const files = new Map(Object.entries(dslSources()).map(([rel, text]) => [`${ROOT}/${rel}`, text]))
const original = files.get(PAPER)!

beforeAll(() => setSourceHost(memorySources(ROOT, files)))
afterAll(() => setSourceHost(fileSources))

const compile = (source: string, backend: PlanBackend = wasmPlans()) => {
  files.set(PAPER, source)
  return compileViews({ file: PAPER, fn: 'paperField', specs: fieldSpecs(PLAYGROUND_SIZES), backend, root: ROOT })
}

/** The 1-based line and column of the first occurrence of `text` in `source`. */
const where = (source: string, text: string) => {
  const at = source.indexOf(text)
  expect(at, `'${text}' in the source`).toBeGreaterThanOrEqual(0)
  const before = source.slice(0, at).split('\n')
  return { line: before.length, col: before[before.length - 1].length + 1 }
}

/**
 * A kernel's statement lines: all but its header, its return and its closing brace, and the frame
 * of a stacked kernel (its slot variable and the branches choosing the slot), which is the kernel's own.
 */
const SLOT_FRAME = /\bslot\d+\b|^\s*if \(t[xyz] (==|<) \d+\) \{$|^\s*\} else \{$|^\s*\}$/
const statements = (lines: CodeLine[]) => lines.slice(1, -2).filter((l) => !(SLOT_FRAME.test(l.text) && !l.loc))

describe('playground compile views', () => {
  test('a misspelt name is refused with D107 at its line:col in the edited file, with a fix', () => {
    const broken = original.replace('cdist(x, pos)', 'cdistt(x, pos)')
    const v = compile(broken)
    expect(v.ok).toBe(false)
    if (v.ok) return
    expect(v.diagnostics).toHaveLength(1)
    const [d] = v.diagnostics
    expect(d.code).toBe('D107')
    expect(d.loc).toEqual({ file: PAPER, ...where(broken, 'cdistt(') })
    expect(d.fix).toMatch(/did you mean cdist/)
  })

  test('a syntax error is D100 at its position', () => {
    const broken = original.replace('const a = biSoftmax(logits)', 'const a = biSoftmax(logits')
    const v = compile(broken)
    expect(v.ok).toBe(false)
    if (v.ok) return
    expect(v.diagnostics[0].code).toBe('D100')
    expect(v.diagnostics[0].loc.file).toBe(PAPER)
    expect(v.diagnostics[0].loc.line).toBeGreaterThanOrEqual(where(broken, 'biSoftmax(logits').line)
  })

  test('the IR, the gradient program and every kernel statement carry the source location they came from', () => {
    const v = compile(original)
    expect(v.ok).toBe(true)
    if (!v.ok) return
    const eqnLines = v.ir.slice(1, -1)
    expect(eqnLines.length).toBeGreaterThan(10)
    for (const l of eqnLines) expect(l.loc, l.text).toBeDefined()
    const cdist = v.ir.find((l) => /cdist\[.*\] x pos/.test(l.text))!
    expect(cdist.loc).toEqual({ file: PAPER, ...where(original, 'cdist(x, pos)') })
    expect(Array.isArray(v.grad) && v.grad.length > eqnLines.length).toBe(true)
    expect((v.grad as CodeLine[]).filter((l) => l.loc).length).toBeGreaterThan(eqnLines.length)

    expect(v.plan.kernels.length).toBeGreaterThan(1)
    for (const k of v.plan.kernels) {
      expect(k.lines[0].text).toMatch(new RegExp(`^kernel ${k.name}\\(`))
      for (const l of statements(k.lines)) expect(l.loc, `${k.name}: ${l.text}`).toBeDefined()
    }
    // the distance loop's square root comes from a cdist: the one of paper.ts or the masked one of parts.ts
    const sqrt = v.plan.kernels.flatMap((k) => k.lines).find((l) => /= sqrt\(/.test(l.text))!
    const cdists = [
      where(original, 'cdist(x, pos)'),
      where(files.get(`${ROOT}/stdlib/fields/parts.ts`)!, 'cdist(x, neg)'),
    ]
    expect(cdists.map((c) => c.line)).toContain(sqrt.loc!.line)
  })

  test.each([
    ['wasm', wasmPlans(), /^\/\/ k_\w+: tiles of .* bytes of WebAssembly$/],
    ['webgpu', webgpuPlans(), /^\/\/ k_\w+: .*dispatch [\d×]+\n[\s\S]*@compute/],
  ])("each %s kernel's code is found under its name", (_, backend, shape) => {
    const v = compile(original, backend)
    if (!v.ok) throw new Error(v.diagnostics.map((d) => d.message).join('\n'))
    for (const k of v.plan.kernels) {
      const text = k.code.map((l) => l.text).join('\n')
      expect(text.startsWith(`// ${k.name}:`), k.name).toBe(true)
      expect(text).toMatch(shape)
    }
    expect(v.plan.explain.length).toBeGreaterThan(0)
  })

  test("the WGSL of each kernel is linked line by line: every statement's lines carry its source, the frame's none", () => {
    const v = compile(original, webgpuPlans())
    if (!v.ok) throw new Error(v.diagnostics.map((d) => d.message).join('\n'))
    for (const k of v.plan.kernels) {
      const linked = k.code.filter((l) => l.loc)
      expect(linked.length, k.name).toBeGreaterThan(0)
      // the bindings, the math prelude and the entry point are the kernel's frame
      for (const l of k.code.filter((l) => /^@group|^fn |^struct /.test(l.text))) expect(l.loc, l.text).toBeUndefined()
      for (const l of linked) expect(k.locs).toContainEqual(l.loc)
    }
    // the distance's square root in WGSL comes from a cdist, as in the neutral code
    const sqrt = v.plan.kernels.flatMap((k) => k.code).find((l) => /= d_sqrt\(/.test(l.text))!
    expect(sqrt, 'a WGSL square root').toBeDefined()
    const parts = files.get(`${ROOT}/stdlib/fields/parts.ts`)!
    expect([where(original, 'cdist(x, pos)').line, where(parts, 'cdist(x, neg)').line]).toContain(sqrt.loc!.line)
  })
})

describe('every stdlib field in the playground', () => {
  test.each(FIELDS.map((f) => [f.name, f] as const))(
    '%s compiles from memory: IR, gradient program, every kernel statement and WGSL statement linked to a source',
    (_, f) => {
      const file = `${ROOT}/stdlib/fields/${f.file}`
      const specs = fieldSpecs(PLAYGROUND_SIZES, f.extra(PLAYGROUND_SIZES.d))
      for (const backend of [wasmPlans(), webgpuPlans()]) {
        const v = compileViews({ file, fn: f.name, specs, backend, root: ROOT })
        if (!v.ok) throw new Error(v.diagnostics.map((d) => d.message).join('\n'))
        expect(v.grad.every((l) => 'text' in l)).toBe(true)
        for (const k of v.plan.kernels) {
          for (const l of statements(k.lines)) expect(l.loc, `${f.name} ${k.name}: ${l.text}`).toBeDefined()
          if (backend.name === 'webgpu')
            expect(
              k.code.some((l) => l.loc),
              `${f.name} ${k.name}: WGSL`,
            ).toBe(true)
        }
      }
    },
  )
})

describe('drift playground', () => {
  test('serves the page, its bundle and the DSL sources with the isolation headers; nothing else', async () => {
    const s = await servePlayground(0)
    try {
      const page = await fetch(s.url)
      expect(page.status).toBe(200)
      expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin')
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp')
      expect(await page.text()).toMatch(/<script type="module" src="main.js">/)
      const sources = (await (await fetch(`${s.url}sources.json`)).json()) as Record<string, string>
      expect(sources['stdlib/fields/paper.ts']).toMatch(/export const paperField = dsl\(/)
      expect((await fetch(`${s.url}main.js`)).headers.get('content-type')).toMatch(/javascript/)
      expect((await fetch(`${s.url}package.json`)).status).toBe(404)
      expect((await fetch(`${s.url}%2e%2e/package.json`)).status).toBe(404)
      expect((await fetch(s.url, { method: 'POST' })).status).toBe(405)
    } finally {
      await s.close()
    }
  })

  test('--port takes a whole number from 1 to 65535', () => {
    expect(parsePort('8420')).toBe(8420)
    for (const bad of ['0', '65536', 'abc', '80.5', '-1', ''])
      expect(() => parsePort(bad), bad).toThrow(`--port must be a whole number from 1 to 65535, got '${bad}'`)
  })
})
