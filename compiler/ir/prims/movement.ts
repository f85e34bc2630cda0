/** Movement: reshape, transpose, broadcast, slice, concat, gather (rows of a table). */
import type { AVal } from '../types.js'
import { alloc, type NDArray } from '../ndarray.js'
import { ShapeError, normAxis, sameShape, showShape, sizeOf, stridesOf } from '../shape.js'
import { definePrimitive, expectDType } from '../primitive.js'

/** Build an output by mapping each output multi-index to an input flat index. */
function gatherBy(a: NDArray, outShape: number[], precision: 'f32' | 'f64', source: (idx: number[]) => number): NDArray {
  const out = alloc(outShape, a.dtype, precision)
  const strides = stridesOf(outShape)
  const idx = new Array<number>(outShape.length)
  for (let k = 0; k < out.data.length; k++) {
    let r = k
    for (let i = 0; i < strides.length; i++) {
      idx[i] = Math.floor(r / strides[i])
      r -= idx[i] * strides[i]
    }
    out.data[k] = a.data[source(idx)]
  }
  return out
}

definePrimitive<{ shape: number[] }>({
  name: 'reshape',
  arity: 1,
  infer: ([a], p) => {
    if (sizeOf(a.shape) !== sizeOf(p.shape))
      throw new ShapeError(`cannot reshape ${showShape(a.shape)} (${sizeOf(a.shape)} elements) to ${showShape(p.shape)} (${sizeOf(p.shape)})`, 'keep the number of elements')
    return [{ shape: p.shape, dtype: a.dtype }]
  },
  evaluate: ([a], p, precision) => {
    const out = alloc(p.shape, a.dtype, precision)
    out.data.set(a.data)
    return [out]
  },
  printParams: (p) => `shape=${showShape(p.shape)}`,
})

definePrimitive<{ perm: number[] }>({
  name: 'transpose',
  arity: 1,
  infer: ([a], p) => {
    const ok = p.perm.length === a.shape.length && [...p.perm].sort((x, y) => x - y).every((v, i) => v === i)
    if (!ok) throw new ShapeError(`transpose: ${showShape(p.perm)} is not a permutation of the ${a.shape.length} axes`, 'list every axis once')
    return [{ shape: p.perm.map((i) => a.shape[i]), dtype: a.dtype }]
  },
  evaluate: ([a], p, precision) => {
    const s = stridesOf(a.shape)
    const outShape = p.perm.map((i) => a.shape[i])
    return [gatherBy(a, outShape, precision, (idx) => idx.reduce((acc, v, i) => acc + v * s[p.perm[i]], 0))]
  },
  printParams: (p) => `perm=${showShape(p.perm)}`,
})

/** Right-aligned NumPy broadcast of a to `shape`. */
definePrimitive<{ shape: number[] }>({
  name: 'broadcast',
  arity: 1,
  infer: ([a], p) => {
    const off = p.shape.length - a.shape.length
    const ok = off >= 0 && a.shape.every((d, i) => d === 1 || d === p.shape[i + off])
    if (!ok) throw new ShapeError(`cannot broadcast ${showShape(a.shape)} to ${showShape(p.shape)}`, 'sizes must be equal or 1, aligned on the right')
    return [{ shape: p.shape, dtype: a.dtype }]
  },
  evaluate: ([a], p, precision) => {
    const off = p.shape.length - a.shape.length
    const s = stridesOf(a.shape)
    return [gatherBy(a, p.shape, precision, (idx) => a.shape.reduce((acc, d, i) => acc + (d === 1 ? 0 : idx[i + off] * s[i]), 0))]
  },
  printParams: (p) => `shape=${showShape(p.shape)}`,
})

export interface SliceParams {
  start: number[]
  size: number[]
}

definePrimitive<SliceParams>({
  name: 'slice',
  arity: 1,
  infer: ([a], p) => {
    const ok =
      p.start.length === a.shape.length &&
      p.size.length === a.shape.length &&
      p.start.every((st, i) => st >= 0 && p.size[i] >= 0 && st + p.size[i] <= a.shape[i])
    if (!ok)
      throw new ShapeError(
        `slice start ${showShape(p.start)} size ${showShape(p.size)} does not fit ${showShape(a.shape)}`,
        'keep start + size within each axis',
      )
    return [{ shape: p.size, dtype: a.dtype }]
  },
  evaluate: ([a], p, precision) => {
    const s = stridesOf(a.shape)
    return [gatherBy(a, p.size, precision, (idx) => idx.reduce((acc, v, i) => acc + (v + p.start[i]) * s[i], 0))]
  },
  printParams: (p) => `start=${showShape(p.start)}, size=${showShape(p.size)}`,
})

definePrimitive<{ axis: number }>({
  name: 'concat',
  arity: 'variadic',
  infer: (ins, p) => {
    if (ins.length === 0) throw new ShapeError('concat of no tensors', 'pass at least one tensor')
    const r = ins[0].shape.length
    normAxis(p.axis, r)
    for (const a of ins) {
      const ok = a.shape.length === r && a.shape.every((d, i) => i === p.axis || d === ins[0].shape[i])
      if (!ok)
        throw new ShapeError(
          `concat on axis ${p.axis}: shapes ${ins.map((x) => showShape(x.shape)).join(', ')} differ off that axis`,
          'every operand needs the same size on the other axes',
        )
      if (a.dtype !== ins[0].dtype) throw new ShapeError(`concat: dtypes ${a.dtype} and ${ins[0].dtype} differ`, 'cast with .astype()')
    }
    const shape = [...ins[0].shape]
    shape[p.axis] = ins.reduce((acc, a) => acc + a.shape[p.axis], 0)
    return [{ shape, dtype: ins[0].dtype }]
  },
  evaluate: (ins, p, precision) => {
    const shape = [...ins[0].shape]
    shape[p.axis] = ins.reduce((acc, a) => acc + a.shape[p.axis], 0)
    const out = alloc(shape, ins[0].dtype, precision)
    const inner = sizeOf(shape.slice(p.axis + 1))
    const outer = sizeOf(shape.slice(0, p.axis))
    let k = 0
    for (let o = 0; o < outer; o++)
      for (const a of ins) {
        const n = a.shape[p.axis] * inner
        out.data.set(a.data.subarray(o * n, (o + 1) * n), k)
        k += n
      }
    return [out]
  },
  printParams: (p) => `axis=${p.axis}`,
})

/** Rows of a table: out[i…, rest] = table[idx[i…], rest]. Indices are clamped to the table. */
definePrimitive<Record<string, never>>({
  name: 'gather',
  arity: 2,
  infer: ([table, idx]) => {
    if (table.shape.length < 1) throw new ShapeError('gather: the table must have rank ≥ 1', 'gather rows of a matrix')
    expectDType('gather', idx, ['i32'], 'index')
    return [{ shape: [...idx.shape, ...table.shape.slice(1)], dtype: table.dtype }]
  },
  evaluate: ([table, idx], _p, precision) => {
    const row = sizeOf(table.shape.slice(1))
    const rows = table.shape[0]
    const out = alloc([...idx.shape, ...table.shape.slice(1)], table.dtype, precision)
    for (let i = 0; i < idx.data.length; i++) {
      const r = Math.min(Math.max(idx.data[i], 0), rows - 1)
      out.data.set(table.data.subarray(r * row, (r + 1) * row), i * row)
    }
    return [out]
  },
})

export const sameAVal = (a: AVal, b: AVal) => a.dtype === b.dtype && sameShape(a.shape, b.shape)
