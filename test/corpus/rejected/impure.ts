/** Rejected: I/O and impure calls. */
import { readFileSync } from 'node:fs'
import * as fs from 'node:fs'
import { dsl, type Mat } from '../../../dsl/index.js'

export const logsValue = dsl((x: Mat) => {
  const y = x.exp()
  console.log('y =', y)
  return y
})

export const randomScale = dsl((x: Mat) => x.mul(Math.random()))

export const clockSeed = dsl((x: Mat) => x.add(Date.now() % 7))

export const newDate = dsl((x: Mat) => {
  const t = new Date()
  return x.mul(t.getSeconds())
})

export const readsWeights = dsl((x: Mat) => {
  const text = readFileSync('weights.json', 'utf8')
  return x.mul(text.length)
})

export const envScale = dsl((x: Mat) => x.mul(process.env.DRIFT_SCALE ? 2 : 1))

/** A namespace import of an I/O module is I/O like a named import. */
export const namespaceIo = dsl((x: Mat) => x.mul(fs.readFileSync('scale.txt', 'utf8').length))

/** A module loaded while the program runs. */
export const dynamicImport = dsl((x: Mat) => {
  const io = import('node:fs')
  return io === undefined ? x : x.mul(2)
})

/** eval runs code the compiler cannot see. */
export const evalCall = dsl((x: Mat) => x.mul(eval('2')))

/** Function(...) as well, called or constructed. */
export const functionCall = dsl((x: Mat) => x.mul(Function('return 2')()))
export const functionNew = dsl((x: Mat) => x.mul(new Function('return 2')()))
