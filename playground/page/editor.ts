/**
 * The playground's editor: CodeMirror 6 holding one DSL file, with the frontend's diagnostics as
 * squiggles at their line:col, source lines marked from the views (a clicked kernel line), and a
 * callback when the text or the cursor's line changes.
 */
import { EditorState, StateEffect, StateField, type Extension } from '@codemirror/state'
import { Decoration, EditorView, keymap, lineNumbers, highlightActiveLine, type DecorationSet } from '@codemirror/view'
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands'
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { javascript } from '@codemirror/lang-javascript'
import { lintGutter, setDiagnostics, type Diagnostic as LintDiagnostic } from '@codemirror/lint'
import type { Diagnostic } from '../../compiler/frontend/diagnostics.js'

const markLines = StateEffect.define<number[]>()
const marked = Decoration.line({ class: 'cm-drift-marked' })

/** The source lines marked by the views (1-based). */
const markedLines = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(set, tr) {
    for (const e of tr.effects)
      if (e.is(markLines)) {
        const doc = tr.state.doc
        const lines = [...new Set(e.value)].filter((l) => l >= 1 && l <= doc.lines).sort((a, b) => a - b)
        return Decoration.set(lines.map((l) => marked.range(doc.line(l).from)))
      }
    return set.map(tr.changes)
  },
  provide: (f) => EditorView.decorations.from(f),
})

export interface Editor {
  text(): string
  setText(text: string): void
  /** Show these diagnostics (those of other files are left to the list beside the editor). */
  showDiagnostics(ds: Diagnostic[]): void
  /** Mark these source lines and scroll the first into view. */
  mark(lines: number[]): void
  /** The 1-based line the cursor is on. */
  cursorLine(): number
}

/** The offset of a 1-based line:col, clamped into the document. */
const offsetOf = (view: EditorView, line: number, col: number): number => {
  const l = view.state.doc.line(Math.min(Math.max(line, 1), view.state.doc.lines))
  return Math.min(l.from + Math.max(col - 1, 0), l.to)
}

export function createEditor(
  parent: HTMLElement,
  text: string,
  on: { edit: () => void; cursorLine: (line: number) => void },
): Editor {
  let lastLine = 1
  const extensions: Extension[] = [
    lineNumbers(),
    highlightActiveLine(),
    history(),
    keymap.of([...defaultKeymap, ...historyKeymap]),
    syntaxHighlighting(defaultHighlightStyle),
    javascript({ typescript: true }),
    lintGutter(),
    markedLines,
    EditorView.updateListener.of((u) => {
      if (u.docChanged) on.edit()
      const line = u.state.doc.lineAt(u.state.selection.main.head).number
      if (u.selectionSet && line !== lastLine) on.cursorLine((lastLine = line))
    }),
  ]
  const view = new EditorView({ parent, state: EditorState.create({ doc: text, extensions }) })
  return {
    text: () => view.state.doc.toString(),
    setText: (t) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } }),
    showDiagnostics(ds) {
      const lint: LintDiagnostic[] = ds.map((d) => {
        const from = offsetOf(view, d.loc.line, d.loc.col)
        const end = view.state.doc.lineAt(from).to
        return {
          from,
          to: Math.min(end, from + Math.max(d.found.length, 1)),
          severity: 'error',
          source: d.code,
          message: `${d.message}\nfix: ${d.fix}`,
        }
      })
      view.dispatch(setDiagnostics(view.state, lint))
    },
    mark(lines) {
      const effects: StateEffect<unknown>[] = [markLines.of(lines)]
      const first = Math.min(...lines)
      if (Number.isFinite(first) && first <= view.state.doc.lines)
        effects.push(EditorView.scrollIntoView(view.state.doc.line(first).from, { y: 'center' }))
      view.dispatch({ effects })
    },
    cursorLine: () => view.state.doc.lineAt(view.state.selection.main.head).number,
  }
}
