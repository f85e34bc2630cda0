/**
 * `drift inspect --watch`: print once, then again whenever a source file the program was compiled
 * from changes (polled, so an editor that replaces the file on save is seen too). A failing run
 * prints its error and the watch goes on; Ctrl-C ends it.
 */
import fs from 'node:fs'
import path from 'node:path'

/** A file as the user knows it: relative to the working folder when it lies below it. */
const shown = (file: string) => {
  const rel = path.relative(process.cwd(), file)
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file
}

/** How often the watched files are polled, in milliseconds. */
const POLL_MS = 200

/**
 * Run `once` (it returns the files it read), then again after every change to those files or to
 * `always`; `failed` reports an error of a run. Resolves only when `signal` aborts.
 */
export async function watchRuns(
  once: () => Promise<string[]>,
  always: string,
  log: (s: string) => void,
  failed: (e: unknown) => void,
  signal?: AbortSignal,
): Promise<void> {
  let watched = new Set<string>()
  let running: Promise<void> = Promise.resolve()
  const listener = (changed: string) => (curr: fs.Stats, prev: fs.Stats) => {
    if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size) return
    running = running.then(() => run(`# ${shown(changed)} changed`))
  }
  const listeners = new Map<string, (c: fs.Stats, p: fs.Stats) => void>()
  const watch = (files: Iterable<string>) => {
    const next = new Set([always, ...files].map((f) => path.resolve(f)))
    for (const f of watched)
      if (!next.has(f)) {
        fs.unwatchFile(f, listeners.get(f))
        listeners.delete(f)
      }
    for (const f of next)
      if (!watched.has(f)) {
        const l = listener(f)
        listeners.set(f, l)
        fs.watchFile(f, { interval: POLL_MS }, l)
      }
    watched = next
  }
  const run = async (header?: string) => {
    if (header) log(`\n${header}: compiled again`)
    try {
      watch(await once())
    } catch (e) {
      failed(e)
      watch(watched)
    }
  }
  // the file named on the command line is watched before the first run, so a save during it is seen
  watch([])
  running = run()
  await running
  await new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve()
    signal?.addEventListener('abort', () => resolve())
    if (!signal) process.once('SIGINT', () => resolve())
  })
  for (const [f, l] of listeners) fs.unwatchFile(f, l)
}
