/**
 * The playground page: an editor holding a DSL field, the stdlib fields one click away, and the
 * compiler running in the page on every edit (debounced): diagnostics in place, or the IR, the
 * gradient program, the fused plan with its reasons and each kernel's code, every line linked to
 * the source line it came from. `document.body.dataset` says where the page stands (`state`:
 * loading, compiling, compiled, refused; `compiles`: how many compiles have finished).
 */
import { FIELDS, type FieldEntry } from '../../stdlib/fields/catalog.js'
import { setSourceHost } from '../../compiler/frontend/project.js'
import { memorySources } from '../../compiler/frontend/sourceHost.js'
import { formatDiagnostic, type Diagnostic } from '../../compiler/frontend/diagnostics.js'
import type { SourceLoc } from '../../compiler/ir/types.js'
import { compileViews, fieldSpecs, PLAYGROUND_SIZES, type PlanBackend, type Views } from '../compile.js'
import { wasmPlans, webgpuPlans } from '../backends.js'
import { createEditor, type Editor } from './editor.js'
import { codeLines, kernelsElement, planElement, type Linker } from './views.js'
import { livePanel } from './livePanel.js'
import { wasmEngine, webgpuEngine, type Engine } from './live.js'

/** The folder the page's sources live in (memory only). */
const ROOT = '/drift'
const DEBOUNCE_MS = 300
const TABS = ['IR', 'Gradient', 'Plan', 'Kernels'] as const
type Tab = (typeof TABS)[number]

const $ = (id: string) => document.getElementById(id)!
const body = document.body.dataset

/**
 * The WebGPU engine where the browser offers an adapter (its device opened once, for the views'
 * webgpu plans and for live drifting); a device that does not open is a problem the page shows.
 */
async function webgpuHere(): Promise<{ engine?: Engine; problem?: string }> {
  if (!(await (navigator as { gpu?: GPU }).gpu?.requestAdapter())) return {}
  try {
    return { engine: await webgpuEngine() }
  } catch (e) {
    return { problem: `WebGPU's adapter gave no device (${(e as Error).message}): wasm runs instead` }
  }
}

/** sources.json as the site writes it: relative `.ts` paths (no `..`) to their texts; anything else is refused in one line. */
function checkedSources(v: unknown): Record<string, string> {
  const ok =
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.entries(v).every(
      ([k, t]) =>
        typeof t === 'string' && /^[\w./-]+\.ts$/.test(k) && !k.split('/').includes('..') && !k.startsWith('/'),
    )
  if (!ok)
    throw new Error("sources.json is not the site's DSL sources (relative .ts paths to texts): build the site again")
  return v as Record<string, string>
}

const relative = (file: string) => (file.startsWith(`${ROOT}/`) ? file.slice(ROOT.length + 1) : file)

async function start(): Promise<void> {
  body.state = 'loading'
  const res = await fetch('sources.json')
  if (!res.ok) throw new Error(`sources.json: HTTP ${res.status}`)
  const files = new Map(Object.entries(checkedSources(await res.json())).map(([rel, text]) => [`${ROOT}/${rel}`, text]))
  setSourceHost(memorySources(ROOT, files))

  const { engine: webgpu, problem } = await webgpuHere()
  const backends: Record<string, PlanBackend> = { wasm: wasmPlans(), webgpu: webgpuPlans(webgpu?.device) }
  let planBackend = webgpu ? 'webgpu' : 'wasm'

  let entry: FieldEntry = FIELDS[0]
  const fileOf = (e: FieldEntry) => `${ROOT}/stdlib/fields/${e.file}`
  let views: Views | undefined
  let tab: Tab = 'Kernels'
  let timer: ReturnType<typeof setTimeout> | undefined
  let compiles = 0

  const note = (text: string) => ($('source-note').textContent = text)
  const link: Linker = {
    click(loc: SourceLoc, line: HTMLElement) {
      for (const m of Array.from(document.querySelectorAll('#view .line.marked'))) m.classList.remove('marked')
      line.classList.add('marked')
      const at = `${relative(loc.file)}:${loc.line}:${loc.col}`
      if (loc.file === fileOf(entry)) {
        editor.mark([loc.line])
        note(`from ${at}`)
      } else {
        editor.mark([])
        note(`from ${at} (another file: ${relative(loc.file)})`)
      }
    },
  }

  const markViewLines = (line: number) => {
    for (const d of Array.from(document.querySelectorAll<HTMLElement>('#view .line.linked')))
      d.classList.toggle('marked', d.dataset.file === fileOf(entry) && d.dataset.line === String(line))
  }

  const render = () => {
    const view = $('view')
    view.replaceChildren()
    if (!views) return
    if (!views.ok) {
      view.append(codeLines([{ text: 'the program is refused: see the diagnostics beside the editor' }], link))
      return
    }
    if (tab === 'IR') view.append(codeLines(views.ir, link))
    else if (tab === 'Gradient')
      view.append(
        isDiagnostics(views.grad)
          ? codeLines(
              views.grad.map((d) => ({ text: diagnosticText(d) })),
              link,
            )
          : codeLines(views.grad, link),
      )
    else if (tab === 'Plan') view.append(planElement(views.plan))
    else view.append(kernelsElement(views.plan, link))
    markViewLines(editor.cursorLine())
  }

  const showDiagnostics = (ds: Diagnostic[]) => {
    editor.showDiagnostics(ds.filter((d) => d.loc.file === fileOf(entry)))
    $('diagnostics').replaceChildren(
      ...ds.map((d) => {
        const li = document.createElement('li')
        li.className = 'diagnostic'
        li.dataset.code = d.code
        li.dataset.line = String(d.loc.line)
        li.dataset.col = String(d.loc.col)
        li.textContent = diagnosticText(d)
        return li
      }),
    )
  }

  const compile = () => {
    timer = undefined
    body.state = 'compiling'
    files.set(fileOf(entry), editor.text())
    const t0 = performance.now()
    const specs = fieldSpecs(PLAYGROUND_SIZES, entry.extra(PLAYGROUND_SIZES.d))
    try {
      views = compileViews({ file: fileOf(entry), fn: entry.name, specs, backend: backends[planBackend], root: ROOT })
    } catch (e) {
      // a compiler bug, not a refused program: say so on the page, never show stale views as current
      views = undefined
      $('status').textContent = `internal compiler error: ${(e as Error).message}`
      body.state = 'error'
      body.compiles = String(++compiles)
      render()
      throw e
    }
    const ms = (performance.now() - t0).toFixed(0)
    showDiagnostics(views.ok ? [] : views.diagnostics)
    if (!views.ok) editor.mark([])
    $('status').textContent =
      (views.ok
        ? `${entry.name}: compiled in ${ms} ms for ${planBackend} (N = P = ${PLAYGROUND_SIZES.n}, D = ${PLAYGROUND_SIZES.d}), ${views.plan.kernels.length} kernels`
        : `${entry.name}: refused (${views.diagnostics.length} diagnostic${views.diagnostics.length === 1 ? '' : 's'})`) +
      (problem ? ` · ${problem}` : '')
    body.state = views.ok ? 'compiled' : 'refused'
    body.compiles = String(++compiles)
    render()
    if (views.ok) live.fieldChanged()
  }
  const schedule = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(compile, DEBOUNCE_MS)
  }

  const editor: Editor = createEditor($('editor'), files.get(fileOf(entry))!, {
    edit: schedule,
    cursorLine: markViewLines,
  })

  // WebGPU where the browser has an adapter (first, the default), wasm everywhere
  const engines = { ...(webgpu ? { webgpu: async () => webgpu } : {}), wasm: async () => wasmEngine() }
  const live = livePanel($('live'), ROOT, engines, () => {
    if (!views?.ok) return `${entry.name} does not compile: fix the diagnostics first`
    if (entry.extra(PLAYGROUND_SIZES.d).length)
      return `${entry.name} takes arguments after (x, pos, neg, tau); live drifting runs fields of (x, pos, neg, tau) only`
    return { file: `stdlib/fields/${entry.file}`, name: entry.name }
  })

  const catalog = $('catalog')
  for (const f of FIELDS) {
    const b = document.createElement('button')
    b.textContent = f.name
    b.title = `${f.formula} (${f.source})`
    b.dataset.field = f.name
    b.addEventListener('click', () => {
      files.set(fileOf(entry), editor.text())
      entry = f
      for (const x of Array.from(catalog.children)) x.classList.toggle('current', x === b)
      editor.setText(files.get(fileOf(f))!)
      compile()
    })
    if (f === entry) b.classList.add('current')
    catalog.append(b)
  }

  const tabs = $('tabs')
  for (const t of TABS) {
    const b = document.createElement('button')
    b.textContent = t
    b.dataset.tab = t
    b.addEventListener('click', () => {
      tab = t
      for (const x of Array.from(tabs.querySelectorAll('button'))) x.classList.toggle('current', x === b)
      render()
    })
    if (t === tab) b.classList.add('current')
    tabs.append(b)
  }
  const select = document.createElement('select')
  select.id = 'plan-backend'
  for (const name of Object.keys(backends))
    select.append(new Option(`plan for ${name}`, name, false, name === planBackend))
  select.addEventListener('change', () => {
    planBackend = select.value
    compile()
  })
  tabs.append(select)

  compile()
}

const isDiagnostics = (x: unknown[]): x is Diagnostic[] => x.length > 0 && 'code' in (x[0] as object)

const diagnosticText = (d: Diagnostic) => formatDiagnostic(d, ROOT)

start().catch((e: Error) => {
  $('status').textContent = `the playground failed to start: ${e.message}`
  body.state = 'error'
  throw e
})
