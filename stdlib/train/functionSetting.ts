/**
 * Function-valued settings of training programs (host code): `--field` of `drift train toy2d` and
 * the same key of its JSON config, and every field, kernel or loss setting of trainers to come.
 * A setting is a name from the trainer's catalog, or the user's own DSL function as
 * `path/to/file.ts:exportName` (compiler/runtime/fileReference.ts: the compiler reads the file,
 * nothing runs it). A run records the file, with an absolute path, and its SHA-256, so a resumed
 * run refuses a file that changed; a script passes the DSL function itself and the run records
 * where it is defined.
 */
import { dslAt, type DslFunction } from '../../dsl/index.js'
import { RunError } from './errors.js'
import type { FnRef } from '../../compiler/frontend/specialize.js'
import {
  absoluteReference,
  fileSha256,
  formatFileReference,
  isFileReference,
  parseFileReference,
} from '../../compiler/runtime/fileReference.js'

type AnyFn = (...args: never[]) => unknown

/** How a catalog's "unknown name" message goes on: the form of the user's own function. */
export const OWN_FUNCTION = 'or your own as path/to/file.ts:exportName'

export { isFileReference }

/** A setting's text as written in `base` (the working folder for a flag, the config file's folder for a config key): a file reference's path made absolute. */
export const settingFrom = (text: string, base: string): string => absoluteReference(text, base)

const isSha256 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)

/** The problem with a recorded SHA-256 setting `shaKey` beside the function setting `key`, or undefined. */
export function shaProblem(key: string, shaKey: string, setting: unknown, sha: unknown): string | undefined {
  if (sha === undefined) return undefined
  if (!isSha256(sha)) return `${shaKey} must be a SHA-256 in hex (64 digits), got ${JSON.stringify(sha)}`
  if (typeof setting !== 'string' || !isFileReference(setting))
    return `${shaKey} records the file of a ${key} given as path/to/file.ts:exportName; ${key} ${JSON.stringify(setting)} is not one`
  return undefined
}

/**
 * The user's DSL function a file reference names (relative paths from the working folder), with
 * its file's SHA-256; when the run recorded one (`recorded`), the file must still have it.
 */
export async function functionFromFile<F extends AnyFn>(
  key: string,
  reference: string,
  recorded?: string,
): Promise<{ fn: DslFunction<F>; reference: string; sha256: string }> {
  let ref
  try {
    ref = parseFileReference(reference, process.cwd(), key)
  } catch (e) {
    throw new RunError((e as Error).message)
  }
  const sha256 = fileSha256(ref.file)
  if (recorded !== undefined && recorded !== sha256)
    throw new RunError(
      `the ${key} file ${ref.file} changed since the run started (SHA-256 ${recorded.slice(0, 12)}… recorded, ${sha256.slice(0, 12)}… now): ` +
        `a resumed run computes with the ${key} it started with; restore the file, or start a new run with --out`,
    )
  return { fn: dslAt<F>(ref, await parameterNames(ref)), reference: formatFileReference(ref), sha256 }
}

/** The parameter names of the DSL function at `ref`, as the compiler reads them (a missing one is its diagnostic, D301). */
async function parameterNames(ref: FnRef): Promise<string[]> {
  const { loadSourceFile } = await import('../../compiler/frontend/project.js')
  const { findEntry } = await import('../../compiler/frontend/specialize.js')
  const { fn } = findEntry(loadSourceFile(ref.file), ref)
  return (fn as unknown as { getParameters(): { getName(): string }[] }).getParameters().map((p) => p.getName())
}

/** What a run records for a DSL function a script passed: where it is defined, and its file's SHA-256. */
export function recordOf(key: string, fn: DslFunction<AnyFn>): { reference: string; sha256: string } {
  const { ref } = fn
  if (ref.transform)
    throw new RunError(
      `the ${key} is a transformed function (${ref.transform.kind}): pass the dsl(...) function itself`,
    )
  return { reference: formatFileReference(ref), sha256: fileSha256(ref.file) }
}

/** A short name for a setting in folder names and titles: a catalog name, or a file reference's export name (file-LINE for a position). */
export function settingLabel(setting: string): string {
  if (!isFileReference(setting)) return setting
  const m = /([^/\\]+)\.[cm]?[jt]sx?:(?:([A-Za-z_$][\w$]*)|(\d+):\d+)$/.exec(setting)
  return m ? (m[2] ?? `${m[1]}-${m[3]}`) : setting
}
