/** Rejected: I/O and impure calls. */
import { readFileSync } from 'node:fs'
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
