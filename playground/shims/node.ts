/**
 * The Node built-ins the compiler's modules import, as the page's bundle sees them. The page
 * compiles from sources in memory and runs nothing that needs a file system, a child process or
 * Node's worker threads: each of those fails at once, naming itself, instead of doing something else.
 */
const unavailable = (what: string) => (): never => {
  throw new Error(`${what} is not available in the browser (the playground compiles from sources in memory)`)
}

export const readFileSync = unavailable('fs.readFileSync')
export const existsSync = unavailable('fs.existsSync')
export const statSync = unavailable('fs.statSync')
export const spawnSync = unavailable('child_process.spawnSync')
export const createHash = unavailable('crypto.createHash')
export const fileURLToPath = unavailable('url.fileURLToPath')
export const pathToFileURL = unavailable('url.pathToFileURL')
export const createRequire = unavailable('module.createRequire')
export class Worker {
  constructor() {
    unavailable('worker_threads.Worker')()
  }
}
/** os: the page's cores, as the wasm backend's cost model reads them. */
export const availableParallelism = () => globalThis.navigator?.hardwareConcurrency ?? 1
/** v8: flags are the browser's business. */
export const setFlagsFromString = () => undefined

export default {
  readFileSync,
  existsSync,
  statSync,
  spawnSync,
  createHash,
  fileURLToPath,
  pathToFileURL,
  createRequire,
  Worker,
  availableParallelism,
  setFlagsFromString,
}
