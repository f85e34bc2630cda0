/**
 * Reading a file that must be a regular file (host code): it is checked with stat before it is
 * opened (opening a FIFO would block, a directory is not data), checked again on the open
 * descriptor, and read only in ranges the caller has checked against its size.
 */
import fs from 'node:fs'
import { DataError } from './errors.js'

export interface OpenFile {
  /** the size in bytes when it was opened */
  size: number
  /** exactly `length` bytes from `position`; a file that changed and ends earlier is a DataError */
  read(position: number, length: number): Uint8Array
}

function statOf(file: string, missing: string): fs.Stats {
  try {
    return fs.statSync(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new DataError(`${file} is missing: ${missing}`)
    throw new DataError(`cannot read ${file}: ${code ?? (e as Error).message}`)
  }
}

/** Run `use` on FILE opened for reading; `missing` is the fix named when the file does not exist. */
export function withRegularFile<T>(file: string, missing: string, use: (f: OpenFile) => T): T {
  const stat = statOf(file, missing)
  if (!stat.isFile())
    throw new DataError(
      `${file} is ${stat.isDirectory() ? 'a directory' : 'not a regular file'}: name the data file itself`,
    )
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch (e) {
    throw new DataError(`cannot open ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  try {
    const opened = fs.fstatSync(fd)
    if (!opened.isFile()) throw new DataError(`${file} is not a regular file: name the data file itself`)
    const size = opened.size
    const read = (position: number, length: number): Uint8Array => {
      if (position < 0 || length < 0 || position + length > size)
        throw new Error(`internal: read of ${length} bytes at ${position} past the ${size} bytes of ${file}`)
      const out = new Uint8Array(length)
      let done = 0
      while (done < length) {
        const n = fs.readSync(fd, out, done, length - done, position + done)
        if (n === 0)
          throw new DataError(`${file} ended at byte ${position + done} while being read: it changed; read it again`)
        done += n
      }
      return out
    }
    return use({ size, read })
  } finally {
    fs.closeSync(fd)
  }
}
