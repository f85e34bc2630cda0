/**
 * Host arrays: the data of a tensor outside DSL code (arguments to compiled functions, their
 * results). The DSL's `Tensor` (dsl/tensor.ts) extends this class with the operations DSL code
 * calls; the runtime only needs what is here.
 */
import type { DType } from '../ir/types.js'

export type Data = Float32Array | Float64Array | Int32Array | Uint8Array

/** Marks host tensors across copies of this module (a program may load drift twice, by two paths). */
const BRAND = Symbol.for('drift-dsl.HostTensor')

/** Is `v` a host tensor, made by any copy of drift loaded in this process? */
export const isHostTensor = (v: unknown): v is HostTensor =>
  typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[BRAND] === true

export class TensorError extends TypeError {
  override name = 'TensorError'
}

const DTYPES: readonly DType[] = ['f32', 'i32', 'bool']
const DATA_KINDS = [Float32Array, Float64Array, Int32Array, Uint8Array]

/**
 * Why (data, shape, dtype) is not a tensor, in one line with the fix, or undefined: a shape is a
 * list of non-negative safe integers whose product is safe, the dtype one of the DSL's, the data
 * one typed array of exactly that many elements.
 */
export function tensorProblem(data: unknown, shape: unknown, dtype: unknown): string | undefined {
  if (!Array.isArray(shape)) return `tensor shape ${show(shape)} is not a list of dimensions; pass e.g. [2, 3]`
  const bad = shape.findIndex((d) => !Number.isSafeInteger(d) || d < 0)
  if (bad >= 0)
    return `tensor shape [${shape.map(show).join(', ')}] has ${show(shape[bad])} at axis ${bad}; each dimension must be a non-negative integer`
  const n = shape.reduce((a: number, b: number) => a * b, 1)
  if (!Number.isSafeInteger(n)) return `tensor shape [${shape.join(', ')}] has more elements than a tensor can hold`
  if (typeof dtype !== 'string' || !DTYPES.includes(dtype as DType))
    return `tensor dtype ${show(dtype)} is not one of ${DTYPES.map((d) => `'${d}'`).join(', ')}; float data is 'f32'`
  if (!DATA_KINDS.some((k) => data instanceof k))
    return `tensor data is ${show(data)}; pass a Float32Array, Float64Array, Int32Array or Uint8Array`
  if ((data as Data).length !== n)
    return `tensor data has ${(data as Data).length} elements but shape [${shape.join(',')}] needs ${n}`
  return undefined
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`
  if (typeof v === 'number' || typeof v === 'boolean' || v == null) return String(v)
  if (Array.isArray(v)) return 'a list'
  return `a ${(v as object).constructor?.name ?? typeof v}`
}

export class HostTensor {
  declare readonly [BRAND]: true
  readonly shape: readonly number[]
  readonly dtype: DType
  readonly data: Data

  constructor(data: Data, shape: readonly number[], dtype: DType) {
    const problem = tensorProblem(data, shape, dtype)
    if (problem) throw new TensorError(problem)
    this.data = data
    this.shape = Object.freeze([...shape])
    this.dtype = dtype
  }

  get rank(): number {
    return this.shape.length
  }
  get ndim(): number {
    return this.shape.length
  }
  get size(): number {
    return this.data.length
  }

  /** Nested JS arrays (host only). */
  toArray(): unknown {
    const build = (off: number, axis: number): unknown => {
      if (axis === this.shape.length) return this.data[off]
      const stride = this.shape.slice(axis + 1).reduce((a, b) => a * b, 1)
      return Array.from({ length: this.shape[axis] }, (_, i) => build(off + i * stride, axis + 1))
    }
    return build(0, 0)
  }

  static {
    Object.defineProperty(HostTensor.prototype, BRAND, { value: true })
  }

  /** The single value of a scalar tensor (host only). */
  item(): number {
    if (this.data.length !== 1)
      throw new Error(`item() needs a tensor of one element, this one has shape [${this.shape.join(',')}]`)
    return this.data[0]
  }
}
