/** Gradients against central finite differences in float64: the harness the autodiff and stdlib tests share. */
import { expect } from 'vitest'
import { specialize, type ArgSpec, type Specialized } from '../compiler/frontend/specialize.js'
import { formatDiagnostic } from '../compiler/frontend/diagnostics.js'
import { interpret } from '../compiler/ir/interpret.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import { expectClose, lower, rng } from './helpers.js'
import { accumulationLengths, float64Tolerance } from './tolerance.js'

export const leafSpecs = (s: ArgSpec): ArgSpec[] =>
  s.tag === 'object' ? s.fields.flatMap(([, f]) => leafSpecs(f)) : s.tag === 'array' ? s.items.flatMap(leafSpecs) : [s]

/** valueAndGrad of an exported DSL function with respect to `argnums`. */
export function lowerGrad(file: string, name: string, specs: ArgSpec[], argnums: number[]): Specialized {
  const r = specialize({ file, exportName: name, transform: { kind: 'valueAndGrad', argnums } }, specs)
  if (r._tag === 'Left') throw new Error(r.left.map((d) => formatDiagnostic(d)).join('\n'))
  return r.right
}

/**
 * max |fd − ad| / max |ad| over the float leaves of the differentiated arguments: every element of
 * leaves up to `all` elements, `sample` random ones of larger leaves; h = 1e-5·max(1, |x|).
 * Where the quotient misses, it is taken again with h/64: a kink within h (a ReLU input crossing
 * 0) then lies outside the step, while a wrong gradient stays wrong.
 */
export function gradientError(
  file: string,
  name: string,
  specs: ArgSpec[],
  inputs: NDArray[],
  argnums: number[],
  seed: number,
  { all = 64, sample = 48 }: { all?: number; sample?: number } = {},
): number {
  const value = lower(file, name, specs)
  const outs = interpret(lowerGrad(file, name, specs, argnums).graph, inputs, 'f64')
  // the value computed alongside the gradient is the value: float64 both ways (test/tolerance.ts)
  const [want] = interpret(value.graph, inputs, 'f64')
  expectClose(
    outs[0].data,
    want.data,
    float64Tolerance(accumulationLengths(value.graph)[0], want.data),
    `${name}: value`,
  )
  // leaves of the differentiated arguments, in flattening order
  const leafIndex: number[] = []
  let k = 0
  specs.forEach((s, i) => {
    for (const leaf of leafSpecs(s)) {
      if (argnums.includes(i)) leafIndex.push(k)
      if (leaf.tag === 'tensor') k++
    }
  })
  const pick = rng(seed ^ 0x5eed)
  let worst = 0
  leafIndex.forEach((inputIdx, j) => {
    const x = inputs[inputIdx]
    if (x.dtype !== 'f32') return
    const ad = outs[1 + j].data
    expect(ad.length, `${name}: gradient ${j} size`).toBe(x.data.length)
    const n = x.data.length
    const elems = n <= all ? [...Array(n).keys()] : Array.from({ length: sample }, () => Math.floor(pick() * n))
    let scale = 1e-12
    for (let e = 0; e < n; e++) scale = Math.max(scale, Math.abs(ad[e]))
    for (const e of elems) {
      const at = (delta: number) => {
        const data = Float64Array.from(x.data)
        data[e] += delta
        return interpret(
          value.graph,
          inputs.map((a, i) => (i === inputIdx ? { ...a, data } : a)),
          'f64',
        )[0].data[0]
      }
      const h = 1e-5 * Math.max(1, Math.abs(x.data[e]))
      expect(Number.isFinite(ad[e]), `${name}: finite gradient`).toBe(true)
      const error = (step: number) => Math.abs((at(step) - at(-step)) / (2 * step) - ad[e]) / scale
      // a kink (a ReLU input crossing 0) within h spoils the quotient; one 64× closer is past it,
      // while a wrong gradient stays wrong at every step
      let err = error(h)
      if (err > 1e-7) err = Math.min(err, error(h / 64))
      worst = Math.max(worst, err)
    }
  })
  return worst
}
