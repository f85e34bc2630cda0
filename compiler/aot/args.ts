/**
 * A call's arguments as the compiled plans take them: the leaves of the argument trees (tensors and
 * numbers) in order, and the outputs put back into the function's output tree. No imports beyond
 * types, so the page side of the browser runtime stays small.
 */
import type { NDArray } from '../ir/ndarray.js'
import type { DType, TreeDef } from '../ir/types.js'

/** A host array: anything with shape, dtype and data (drift's Tensor included). */
export interface HostArray {
  shape: readonly number[]
  dtype: DType
  data: ArrayLike<number>
}

/** The leaves of the arguments, in order: numbers and arrays (anything with `data`). */
export function leaves(v: unknown, out: unknown[] = []): unknown[] {
  if (typeof v === 'number' || (typeof v === 'object' && v !== null && 'data' in v)) out.push(v)
  else if (Array.isArray(v)) v.forEach((x) => leaves(x, out))
  else if (typeof v === 'object' && v !== null) Object.values(v).forEach((x) => leaves(x, out))
  return out
}

/** A leaf as a plain array the plan takes: a number as a rank-0 f32, data as a Float32Array. */
export function toNDArray(v: unknown): NDArray {
  if (typeof v === 'number') return { shape: [], dtype: 'f32', data: Float32Array.of(v) }
  const a = v as HostArray
  return {
    shape: [...a.shape],
    dtype: a.dtype,
    data: a.data instanceof Float32Array ? a.data : Float32Array.from(a.data),
  }
}

/** The outputs in the function's output tree. */
export function unflatten(tree: TreeDef, outs: NDArray[]): unknown {
  let k = 0
  const go = (t: TreeDef): unknown =>
    t.kind === 'leaf'
      ? outs[k++]
      : t.kind === 'array'
        ? t.items.map(go)
        : t.kind === 'object'
          ? Object.fromEntries(t.keys.map((key, i) => [key, go(t.items[i])]))
          : t.value
  return go(tree)
}
