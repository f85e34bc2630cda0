/**
 * What every plan runner does the same way, whatever holds its buffers: check the graph inputs
 * against the plan and place them (packed inputs at their element offsets), read the per-step
 * scalars, evaluate host steps by their reference semantics, and gather the outputs. Integer
 * buffers keep exact i32 copies beside their float32 storage (random keys use all 32 bits).
 */
import type { NDArray } from '../ir/ndarray.js'
import { primitive } from '../ir/primitive.js'
import { sameShape, showShape } from '../ir/shape.js'
import type { BufferInfo, Kernel, Plan, Step } from '../kernel/types.js'
import { showLoc } from '../ir/print.js'
import '../ir/prims/index.js'

export class BackendError extends Error {
  override name = 'BackendError'
}

/** Exact i32 values of integer buffers, by buffer name. */
export type Ints = Map<string, Int32Array>

/** Check every graph input and hand it to `put` with its buffer and element offset there. */
export function placeInputs(
  plan: Plan,
  inputs: NDArray[],
  put: (b: BufferInfo, offset: number, a: NDArray) => void,
): Ints {
  const ints: Ints = new Map()
  for (const b of plan.buffers) {
    if (b.role !== 'input') continue
    for (const p of b.packs ?? [{ inputIndex: b.inputIndex!, offset: 0, shape: b.shape, dtype: b.dtype }]) {
      const a = inputs[p.inputIndex]
      if (!a || !sameShape(a.shape, p.shape) || a.dtype !== p.dtype)
        throw new BackendError(
          `input ${b.packs ? p.inputIndex : b.name}: expected ${p.dtype}${showShape(p.shape)}, got ${a ? `${a.dtype}${showShape(a.shape)}` : 'nothing'}`,
        )
      put(b, p.offset, a)
      if (!b.packs && b.dtype === 'i32') ints.set(b.name, Int32Array.from(a.data))
    }
  }
  return ints
}

/** The rank-0 f32 inputs kernels take as arguments, rounded to float32 like every device computes. */
export function scalarInputs(plan: Plan, inputs: NDArray[]): Map<string, number> {
  const scalars = new Map<string, number>()
  for (const s of plan.scalars) {
    const a = inputs[s.inputIndex]
    if (!a || a.shape.length !== 0) throw new BackendError(`scalar ${s.name}: expected a number`)
    scalars.set(s.name, Math.fround(a.data[0]))
  }
  return scalars
}

/** A host step by reference semantics; `read` gives a buffer's float32 contents. */
export function runHostStep(
  step: Extract<Step, { k: 'host' }>,
  info: Map<string, BufferInfo>,
  read: (buf: string) => Float32Array,
  ints: Ints,
): NDArray {
  const ins = step.inputs.map((x): NDArray => {
    if ('value' in x) return { shape: [], dtype: x.dtype, data: Float64Array.of(x.value) }
    const b = info.get(x.buf)!
    return {
      shape: b.shape,
      dtype: b.dtype,
      data: b.dtype === 'f32' ? read(x.buf) : (ints.get(x.buf) ?? Int32Array.from(read(x.buf))),
    }
  })
  const [out] = primitive(step.prim).evaluate(ins, step.params, 'f32')
  if (out.dtype === 'i32') ints.set(step.out, Int32Array.from(out.data))
  return out
}

/** The plan's outputs as host arrays; `read` gives a buffer's float32 contents (a copy the caller may keep). */
export function planOutputs(
  plan: Plan,
  info: Map<string, BufferInfo>,
  read: (buf: string) => Float32Array,
  scalars: Map<string, number>,
  ints: Ints,
): NDArray[] {
  return plan.outputs.map((o) => {
    if (o.k === 'literal') return { shape: [], dtype: o.dtype, data: Float32Array.of(o.value) }
    if (o.k === 'scalar') return { shape: [], dtype: 'f32', data: Float32Array.of(scalars.get(o.name)!) }
    const b = info.get(o.buf)!
    const data = read(o.buf)
    return {
      shape: b.shape,
      dtype: b.dtype,
      data:
        b.dtype === 'i32'
          ? (ints.get(o.buf) ?? Int32Array.from(data))
          : b.dtype === 'bool'
            ? Uint8Array.from(data)
            : data,
    }
  })
}

/** What a kernel fuses and where in the user's source it comes from (for error messages and profiles). */
export function describeKernel(k: Kernel): string {
  const where = [...new Set(k.fused.filter((f) => f.loc).map((f) => showLoc(f.loc!)))].join(', ')
  return `${k.fused.map((f) => f.prim).join(' ')}${where ? ` from ${where}` : ''}`
}
