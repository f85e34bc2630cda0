/**
 * The compile views as DOM: code shown line by line, each line that came from a source location
 * clickable (it marks that source line in the editor) and marked when the editor's cursor is on it.
 */
import type { SourceLoc } from '../../compiler/ir/types.js'
import type { CodeLine, KernelView, PlanView } from '../compile.js'

export interface Linker {
  /** A linked line was clicked. */
  click(loc: SourceLoc, line: HTMLElement): void
}

const div = (cls: string, text: string) => {
  const d = document.createElement('div')
  d.className = cls
  d.textContent = text
  return d
}

/** Code lines; those with a source are linked (data-file, data-line name it). */
export function codeLines(lines: CodeLine[], link: Linker, cls = 'line'): HTMLElement {
  const box = document.createElement('div')
  for (const l of lines) {
    const d = div(cls, l.text || ' ')
    if (l.loc) {
      const loc = l.loc
      d.classList.add('linked')
      d.dataset.file = loc.file
      d.dataset.line = String(loc.line)
      d.title = `${loc.file}:${loc.line}:${loc.col}`
      d.addEventListener('click', () => link.click(loc, d))
    }
    box.append(d)
  }
  return box
}

const heading = (text: string) => {
  const h = document.createElement('h3')
  h.textContent = text
  return h
}

const pre = (text: string) => {
  const p = document.createElement('pre')
  p.textContent = text
  return p
}

export function planElement(plan: PlanView): HTMLElement {
  const box = document.createElement('div')
  box.append(heading(`the plan the ${plan.backend} backend runs`), pre(plan.text))
  box.append(heading('why each buffer exists (--explain)'), pre(plan.explain.join('\n')))
  return box
}

export function kernelsElement(plan: PlanView, link: Linker): HTMLElement {
  const box = document.createElement('div')
  for (const k of plan.kernels) box.append(kernelElement(k, plan.backend, link))
  return box
}

function kernelElement(k: KernelView, backend: string, link: Linker): HTMLElement {
  const box = document.createElement('div')
  box.className = 'kernel'
  box.dataset.kernel = k.name
  box.append(heading(`${k.name}`))
  box.append(codeLines(k.lines, link, 'line kernel-line'))
  if (k.code.length) box.append(heading(`${k.name} on ${backend}`), codeLines(k.code, link, 'line backend-line'))
  return box
}
