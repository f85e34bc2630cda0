/** Concrete arrays for the reference interpreter: row-major data plus shape and dtype. */
import type { DType } from './types.js'
import { sizeOf } from './shape.js'

export type Precision = 'f32' | 'f64'
export type Data = Float64Array | Float32Array | Int32Array | Uint8Array

export interface NDArray {
  shape: number[]
  dtype: DType
  data: Data
}

export function alloc(shape: readonly number[], dtype: DType, precision: Precision): NDArray {
  const n = sizeOf(shape)
  const data =
    dtype === 'i32'
      ? new Int32Array(n)
      : dtype === 'bool'
        ? new Uint8Array(n)
        : precision === 'f64'
          ? new Float64Array(n)
          : new Float32Array(n)
  return { shape: [...shape], dtype, data }
}

/** Build an array whose element k is f(k). */
export function fill(shape: readonly number[], dtype: DType, precision: Precision, f: (k: number) => number): NDArray {
  const out = alloc(shape, dtype, precision)
  const d = out.data
  for (let k = 0; k < d.length; k++) d[k] = f(k)
  return out
}

/** Copy into the storage type that a precision uses (f32 data rounds to float32). */
export function toPrecision(a: NDArray, precision: Precision): NDArray {
  const out = alloc(a.shape, a.dtype, precision)
  out.data.set(a.data)
  return out
}
