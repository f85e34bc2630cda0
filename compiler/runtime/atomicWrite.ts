import fs from 'node:fs'

/**
 * Write a file atomically: into a temporary file next to it, flushed to disk, then renamed over
 * the target, so a reader (or a run killed mid-write) sees the old file or the new one, never a part.
 * A write that fails removes its temporary file.
 */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`
  const fd = fs.openSync(tmp, 'w')
  try {
    try {
      fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(tmp, file)
  } catch (e) {
    fs.rmSync(tmp, { force: true })
    throw e
  }
}
