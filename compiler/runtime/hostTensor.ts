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

export class HostTensor {
  declare readonly [BRAND]: true
  readonly shape: readonly number[]
  readonly dtype: DType
  readonly data: Data

  constructor(data: Data, shape: readonly number[], dtype: DType) {
    const n = shape.reduce((a, b) => a * b, 1)
    if (data.length !== n)
      throw new Error(`tensor data has ${data.length} elements but shape [${shape.join(',')}] needs ${n}`)
    this.data = data
    this.shape = shape
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
