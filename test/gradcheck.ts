/**
 * Gradients against central finite differences in float64: the harness the autodiff, stdlib/nn and
 * field tests share. Each checked element's error is |fd − ad| / (|ad| + 1e-3·max |ad|): relative to
 * the element itself, above a floor of 1e-3 of the leaf's largest, where the difference quotient's
 * own truncation and rounding (about 1e-10 of the function's scale) would dominate. A bound of 1e-6
 * on it therefore fails a 1 % error in any element down to about 1e-7 of the largest.
 */
import { expect } from 'vitest'
import { specialize, type ArgSpec, type Specialized } from '../compiler/frontend/specialize.js'
import { formatDiagnostic } from '../compiler/frontend/diagnostics.js'
import { interpret } from '../compiler/ir/interpret.js'
import type { NDArray } from '../compiler/ir/ndarray.js'
import type { Graph } from '../compiler/ir/types.js'
import { expectClose, lower, randn, rng, T } from './helpers.js'
import { accumulationLengths, float64Tolerance } from './tolerance.js'

export const leafSpecs = (s: ArgSpec): ArgSpec[] =>
  s.tag === 'object' ? s.fields.flatMap(([, f]) => leafSpecs(f)) : s.tag === 'array' ? s.items.flatMap(leafSpecs) : [s]

/** valueAndGrad of an exported DSL function with respect to `argnums`. */
export function lowerGrad(file: string, name: string, specs: ArgSpec[], argnums: number[]): Specialized {
  return specialized(file, name, specs, { kind: 'valueAndGrad', argnums })
}

function specialized(
  file: string,
  name: string,
  specs: ArgSpec[],
  transform: { kind: 'vjp' } | { kind: 'valueAndGrad'; argnums: number[] },
): Specialized {
  const r = specialize({ file, exportName: name, transform }, specs)
  if (r._tag === 'Left') throw new Error(r.left.map((d) => formatDiagnostic(d)).join('\n'))
  return r.right
}

interface Sampling {
  /** leaves up to this many elements are checked whole */
  all?: number
  /** this many random elements of larger leaves */
  sample?: number
}

/**
 * The worst error, over the chosen elements of input `inputIdx`, between the analytic gradient `ad`
 * of the scalar `f` and its central difference with h = 1e-5·max(1, |x|).
 */
function worstDifference(
  f: (inputs: NDArray[]) => number,
  inputs: NDArray[],
  inputIdx: number,
  ad: ArrayLike<number>,
  pick: () => number,
  { all = 64, sample = 48 }: Sampling,
  what: string,
): number {
  const x = inputs[inputIdx]
  expect(ad.length, `${what}: gradient size`).toBe(x.data.length)
  const n = x.data.length
  const elems = n <= all ? [...Array(n).keys()] : Array.from({ length: sample }, () => Math.floor(pick() * n))
  let largest = 0
  for (let e = 0; e < n; e++) largest = Math.max(largest, Math.abs(ad[e]))
  let worst = 0
  for (const e of elems) {
    expect(Number.isFinite(ad[e]), `${what}: finite gradient at ${e}`).toBe(true)
    const at = (delta: number) => {
      const data = Float64Array.from(x.data)
      data[e] += delta
      return f(inputs.map((a, i) => (i === inputIdx ? { ...a, data } : a)))
    }
    const h = 1e-5 * Math.max(1, Math.abs(x.data[e]))
    const error = (step: number) =>
      Math.abs((at(step) - at(-step)) / (2 * step) - ad[e]) / (Math.abs(ad[e]) + 1e-3 * largest || 1e-300)
    // a kink (a ReLU input crossing 0) within h spoils the quotient; one 64× closer is past it,
    // while a wrong gradient stays wrong at every step
    let err = error(h)
    if (err > 1e-7) err = Math.min(err, error(h / 64))
    worst = Math.max(worst, err)
  }
  return worst
}

/** The value a transformed graph returns first equals the function's own value (float64 both ways). */
function expectSameValue(value: Graph, got: ArrayLike<number>, inputs: NDArray[], what: string) {
  const [want] = interpret(value, inputs, 'f64')
  expectClose(got, want.data, float64Tolerance(accumulationLengths(value)[0], want.data), `${what}: value`)
}

/**
 * The worst error (see above) of valueAndGrad of a scalar DSL function with respect to `argnums`,
 * over the float leaves of those arguments: every element of leaves up to `all` elements, `sample`
 * random ones of larger leaves.
 */
export function gradientError(
  file: string,
  name: string,
  specs: ArgSpec[],
  inputs: NDArray[],
  argnums: number[],
  seed: number,
  sampling: Sampling = {},
): number {
  const value = lower(file, name, specs)
  const outs = interpret(lowerGrad(file, name, specs, argnums).graph, inputs, 'f64')
  expectSameValue(value.graph, outs[0].data, inputs, name)
  // leaves of the differentiated arguments, in flattening order
  const leafIndex: number[] = []
  let k = 0
  specs.forEach((s, i) => {
    for (const leaf of leafSpecs(s)) {
      if (argnums.includes(i)) leafIndex.push(k)
      if (leaf.tag === 'tensor') k++
    }
  })
  const f = (ins: NDArray[]) => interpret(value.graph, ins, 'f64')[0].data[0]
  const pick = rng(seed ^ 0x5eed)
  let worst = 0
  leafIndex.forEach((inputIdx, j) => {
    if (inputs[inputIdx].dtype !== 'f32') return
    const err = worstDifference(f, inputs, inputIdx, outs[1 + j].data, pick, sampling, `${name} gradient ${j}`)
    worst = Math.max(worst, err)
  })
  return worst
}

/**
 * The worst error (see above) of the vjp of a DSL function whose arguments are tensors or statics,
 * with respect to the tensor arguments `wrt`, for a random cotangent ct of its (first) output: the
 * gradient of ⟨ct, f⟩ against its central differences. Returns the worst error per argument.
 */
export function vjpErrors(
  file: string,
  name: string,
  specs: ArgSpec[],
  inputs: NDArray[],
  wrt: number[],
  seed: number,
  sampling: Sampling = {},
): number[] {
  const value = lower(file, name, specs)
  const shape = value.graph.outputs[0].kind === 'var' ? value.graph.outputs[0].shape : []
  const ct = randn(shape, rng(seed ^ 0xc07))
  const outs = interpret(specialized(file, name, [...specs, T(shape)], { kind: 'vjp' }).graph, [...inputs, ct], 'f64')
  expectSameValue(value.graph, outs[0].data, inputs, name)
  // the vjp returns f, then one cotangent per traced (non-static) argument, in order; inputs are the tensors
  const tensors = specs.flatMap((s, i) => (s.tag === 'tensor' ? [i] : []))
  const f = (ins: NDArray[]) => {
    const [v] = interpret(value.graph, ins, 'f64')
    let dot = 0
    for (let e = 0; e < v.data.length; e++) dot += ct.data[e] * v.data[e]
    return dot
  }
  const pick = rng(seed ^ 0x5eed)
  return wrt.map((arg) => {
    const inputIdx = tensors.indexOf(arg)
    expect(inputIdx, `${name}: argument ${arg} is a tensor`).toBeGreaterThanOrEqual(0)
    return worstDifference(f, inputs, inputIdx, outs[1 + inputIdx].data, pick, sampling, `${name} argument ${arg}`)
  })
}
