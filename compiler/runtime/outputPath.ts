/**
 * Checking where a command will write, before it touches anything: an output folder or file must
 * lie on an ordinary filesystem (not /proc, /sys or another kernel pseudo-filesystem, where
 * creating a folder can hang and a write reaches the kernel), be a folder (or a regular file)
 * when it exists already, and sit under a writable folder. Nothing is created here.
 */
import fs from 'node:fs'
import path from 'node:path'

/** An output path that cannot be used: the message is one line naming it and what to do. */
export class OutputPathError extends Error {
  override name = 'OutputPathError'
}

/** statfs magic numbers of kernel pseudo-filesystems (linux/magic.h). */
const PSEUDO_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x1cd1, 'devpts'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0xde5e81e4, 'efivarfs'],
  [0x65735543, 'fusectl'],
  [0x19800202, 'mqueue'],
  [0xf97cff8c, 'selinuxfs'],
  [0x42494e4d, 'binfmt_misc'],
])

const code = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message

/** The nearest path at or above `p` that exists (without following a final symbolic link), with its lstat. */
function nearestExisting(p: string): { at: string; stat: fs.Stats } {
  for (let at = p; ; at = path.dirname(at)) {
    try {
      return { at, stat: fs.lstatSync(at) }
    } catch (e) {
      // ENOTDIR: an ancestor is a file, which the climb reaches and the caller refuses
      if ((code(e) !== 'ENOENT' && code(e) !== 'ENOTDIR') || path.dirname(at) === at)
        throw new OutputPathError(`cannot write to ${p}: ${code(e)}`)
    }
  }
}

/** Refuse a path whose filesystem is a kernel pseudo-filesystem. */
function checkFilesystem(shown: string, existing: string): void {
  let type: number
  try {
    type = fs.statfsSync(existing).type
  } catch (e) {
    throw new OutputPathError(`cannot write to ${shown}: ${code(e)}`)
  }
  const name = PSEUDO_FILESYSTEMS.get(type)
  if (name)
    throw new OutputPathError(
      `cannot write to ${shown}: it is on the kernel's ${name} filesystem, not on disk; choose a folder on disk`,
    )
}

/** The folder holding the nearest existing ancestor must be a writable folder. */
function checkWritableFolder(shown: string, folder: string, stat: fs.Stats): void {
  if (!stat.isDirectory()) throw new OutputPathError(`cannot write to ${shown}: ${folder} is not a folder (ENOTDIR)`)
  try {
    fs.accessSync(folder, fs.constants.W_OK)
  } catch (e) {
    throw new OutputPathError(`cannot write to ${shown}: ${code(e)} (${folder})`)
  }
}

/**
 * An output folder (`shown` as the user wrote it): an existing folder, or a path whose nearest
 * existing ancestor is a writable folder; never on a pseudo-filesystem.
 */
export function checkOutputFolder(dir: string, shown = dir): void {
  const abs = path.resolve(dir)
  const { at, stat } = nearestExisting(abs)
  checkFilesystem(shown, at)
  if (at === abs) {
    const target = stat.isSymbolicLink() ? fs.statSync(abs) : stat
    if (!target.isDirectory()) throw new OutputPathError(`cannot write to ${shown}: it exists and is not a folder`)
    checkWritableFolder(shown, abs, target)
    return
  }
  checkWritableFolder(shown, at, stat.isSymbolicLink() ? fs.statSync(at) : stat)
}

/** An output file: a regular file or a new name, in an existing writable folder, never on a pseudo-filesystem. */
export function checkOutputFile(file: string, shown = file): void {
  const abs = path.resolve(file)
  let stat: fs.Stats | undefined
  try {
    stat = fs.statSync(abs)
  } catch (e) {
    if (code(e) !== 'ENOENT') throw new OutputPathError(`cannot write ${shown}: ${code(e)}`)
  }
  const dir = path.dirname(abs)
  let dirStat: fs.Stats
  try {
    dirStat = fs.statSync(dir)
  } catch (e) {
    throw new OutputPathError(`cannot write ${shown}: ${code(e)} (${path.dirname(shown)})`)
  }
  checkFilesystem(shown, dir)
  if (stat && !stat.isFile())
    throw new OutputPathError(
      `cannot write ${shown}: it is ${stat.isDirectory() ? 'a folder' : 'not a regular file'}; name a file`,
    )
  if (!dirStat.isDirectory()) throw new OutputPathError(`cannot write ${shown}: ENOTDIR (${path.dirname(shown)})`)
  try {
    fs.accessSync(dir, fs.constants.W_OK)
  } catch (e) {
    throw new OutputPathError(`cannot write ${shown}: ${code(e)} (${path.dirname(shown)})`)
  }
}
