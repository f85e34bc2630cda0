/** `npm run build:site [-- <dir>]`: the playground as static files, in site/ unless a folder is given. */
import path from 'node:path'
import { writeSite } from './site.js'

const dir = path.resolve(process.argv[2] ?? 'site')
const names = await writeSite(dir)
console.log(`wrote the playground into ${dir}: ${names.join(', ')}`)
