/** The frontend's sources on Node: files on disk, and the package root this module lies in. */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SourceHost } from './sourceHost.js'

export const fileSources: SourceHost = {
  get root() {
    return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
  },
  read: (file) => (fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined),
  isFile: (file) => fs.existsSync(file) && fs.statSync(file).isFile(),
}
