/**
 * The secret that signs this user's compile-cache entries: 32 random bytes in a file only its
 * owner can read (DRIFT_CACHE_KEY_FILE, or ~/.drift/cache-key), made on first use. An entry is
 * used only when its HMAC under this secret matches, so an entry from anywhere else (a cache
 * committed to a repository, another user's folder, an edit) is compiled again, never trusted.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const BYTES = 32

export const secretFile = (): string =>
  process.env.DRIFT_CACHE_KEY_FILE ?? path.join(os.homedir(), '.drift', 'cache-key')

/** The secret, or a line saying why there is none (the caller then keeps its cache in memory). */
export function cacheSecret(): Buffer | string {
  const file = secretFile()
  try {
    if (!fs.existsSync(file)) create(file)
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)
    try {
      const st = fs.fstatSync(fd)
      if (!st.isFile()) return `${file} is not a regular file`
      if (st.mode & 0o077) return `${file} can be read or written by others (make it private: chmod 600)`
      if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return `${file} belongs to another user`
      const secret = fs.readFileSync(fd)
      return secret.length === BYTES ? secret : `${file} holds ${secret.length} bytes, not ${BYTES} (delete it)`
    } finally {
      fs.closeSync(fd)
    }
  } catch (e) {
    return `cannot use ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`
  }
}

/** Made whole, then linked into place: a reader never sees a partial secret; the first link wins. */
function create(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`
  fs.writeFileSync(temp, crypto.randomBytes(BYTES), { flag: 'wx', mode: 0o600 })
  try {
    fs.linkSync(temp, file)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e // another process made it first: use theirs
  } finally {
    fs.rmSync(temp, { force: true })
  }
}
