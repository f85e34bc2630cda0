/**
 * A DSL function named by where it is defined, as a command line or a config file names it:
 * `path/to/file.ts:exportName` (an exported function of that file) or `path/to/file.ts:LINE:COL`
 * (the `dsl(` call at that position, as a run records a function a script passed). The compiler
 * reads the file; nothing runs it. A relative path is taken from a base folder: the working folder
 * for a flag, the config file's folder for a config entry.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { FnRef } from '../frontend/specialize.js'

/** A file reference that does not parse, or names no readable regular file. */
export class FileReferenceError extends Error {
  override name = 'FileReferenceError'
}

const REFERENCE = /^(.+\.[cm]?[jt]sx?):(?:([A-Za-z_$][\w$]*)|(\d+):(\d+))$/

/** Does `text` have the form of a file reference (as opposed to a catalog name)? */
export const isFileReference = (text: string): boolean => REFERENCE.test(text)

/** The function `text` names, its file resolved from `base` and checked to be a regular file; `what` names the setting in messages. */
export function parseFileReference(text: string, base: string, what: string): FnRef {
  const m = REFERENCE.exec(text)
  if (!m)
    throw new FileReferenceError(
      `${what} '${text}' is not a file reference: write path/to/file.ts:exportName (the file's exported DSL function)`,
    )
  const file = path.resolve(base, m[1])
  let stat: fs.Stats
  try {
    stat = fs.statSync(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new FileReferenceError(
      code === 'ENOENT' ? `${what} ${text}: no such file ${file}` : `${what} ${text}: cannot read ${file} (${code})`,
    )
  }
  if (!stat.isFile()) throw new FileReferenceError(`${what} ${text}: ${file} is not a regular file`)
  return m[2] ? { file, exportName: m[2] } : { file, line: Number(m[3]), col: Number(m[4]) }
}

/** The text of a reference (its file as given: absolute for what a run records). */
export const formatFileReference = (ref: FnRef): string =>
  ref.exportName ? `${ref.file}:${ref.exportName}` : `${ref.file}:${ref.line}:${ref.col}`

/** `text` with a file reference's path made absolute from `base`; anything else unchanged. */
export function absoluteReference(text: string, base: string): string {
  const m = REFERENCE.exec(text)
  return m ? `${path.resolve(base, m[1])}${text.slice(m[1].length)}` : text
}

/** The SHA-256 of a file's contents, in hex. */
export function fileSha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex')
}
