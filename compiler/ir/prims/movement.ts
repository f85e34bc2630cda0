/** Movement: reshape, transpose, broadcast, slice, concat, gather (rows of a table). */
import type { AVal, Var } from '../types.js'
import { alloc, type NDArray } from '../ndarray.js'
import { ShapeError, normAxis, sameShape, showShape, sizeOf, stridesOf } from '../shape.js'
import { definePrimitive, expectDType } from '../primitive.js'
import { sumToShape } from '../vjpHelpers.js'
import { and, bin, clampIndex, elem, lt, operand, sumLoop } from '../../kernel/element.js'
import { add, num, ref, sub, unflatten } from '../../kernel/build.js'
import { reshapeIndex } from '../../kernel/reshapeIndex.js'
import type { KExpr } from '../../kernel/types.js'

declare module '../types.js' {
  interface PrimParams {
    reshape: { shape: number[] }
    transpose: { perm: number[] }
    broadcast: { shape: number[] }
    slice: SliceParams
    pad: { lo: number[]; hi: number[] }
    concat: { axis: number }
    gather: NoParams
    scatter_add: { rows: number }
  }
}

const shapeOfAtom = (a: { kind: string; shape?: number[] }) => (a.kind === 'var' ? a.shape! : [])

/** Build an output by mapping each output multi-index to an input flat index. */
function gatherBy(
  a: NDArray,
  outShape: number[],
  precision: 'f32' | 'f64',
  source: (idx: number[]) => number,
): NDArray {
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

definePrimitive({
  name: 'reshape',
  arity: 1,
  params: { shape: 'shape' },
  fusion: 'view',
  element: (env, e, idx) => {
    const s = shapeOfAtom(e.inputs[0])
    const outShape = e.outputs[0].shape
    const squeezed = (sh: number[]) => sh.filter((d) => d !== 1).join(',')
    if (squeezed(s) === squeezed(outShape)) {
      // only size-1 axes differ: carry the other indices across
      const kept = idx.filter((_, i) => outShape[i] !== 1)
      let k = 0
      return operand(
        env,
        e,
        0,
        s.map((d) => (d === 1 ? num(0) : kept[k++])),
      )
    }
    return operand(env, e, 0, reshapeIndex(idx, outShape, s))
  },
  infer: ([a], p) => {
    if (sizeOf(a.shape) !== sizeOf(p.shape))
      throw new ShapeError(
        `cannot reshape ${showShape(a.shape)} (${sizeOf(a.shape)} elements) to ${showShape(p.shape)} (${sizeOf(p.shape)})`,
        'keep the number of elements',
      )
    return [{ shape: p.shape, dtype: a.dtype }]
  },
  evaluate: ([a], p, precision) => {
    const out = alloc(p.shape, a.dtype, precision)
    out.data.set(a.data)
    return [out]
  },
  printParams: (p) => `shape=${showShape(p.shape)}`,
  vjp: (ctx, e, [ct]) => [ct && ctx.emit('reshape', [ct], { shape: shapeOfAtom(e.inputs[0]) })],
})

definePrimitive({
  name: 'transpose',
  arity: 1,
  params: { perm: 'ints' },
  fusion: 'movement',
  element: (env, e, idx) => {
    const src = new Array<KExpr>(idx.length)
    e.params.perm.forEach((pi, i) => (src[pi] = idx[i]))
    return operand(env, e, 0, src)
  },
  infer: ([a], p) => {
    const ok = p.perm.length === a.shape.length && [...p.perm].sort((x, y) => x - y).every((v, i) => v === i)
    if (!ok)
      throw new ShapeError(
        `transpose: ${showShape(p.perm)} is not a permutation of the ${a.shape.length} axes`,
        'list every axis once',
      )
    return [{ shape: p.perm.map((i) => a.shape[i]), dtype: a.dtype }]
  },
  evaluate: ([a], p, precision) => {
    const s = stridesOf(a.shape)
    const outShape = p.perm.map((i) => a.shape[i])
    return [gatherBy(a, outShape, precision, (idx) => idx.reduce((acc, v, i) => acc + v * s[p.perm[i]], 0))]
  },
  printParams: (p) => `perm=${showShape(p.perm)}`,
  vjp: (ctx, e, [ct]) => {
    const inverse = e.params.perm.map((_, i) => e.params.perm.indexOf(i))
    return [ct && ctx.emit('transpose', [ct], { perm: inverse })]
  },
})

/** Right-aligned NumPy broadcast of a to `shape`. */
definePrimitive({
  name: 'broadcast',
  arity: 1,
  params: { shape: 'shape' },
  fusion: 'movement',
  element: (env, e, idx) => {
    const s = shapeOfAtom(e.inputs[0])
    const off = e.outputs[0].shape.length - s.length
    return operand(
      env,
      e,
      0,
      s.map((d, i) => (d === 1 ? num(0) : idx[i + off])),
    )
  },
  infer: ([a], p) => {
    const off = p.shape.length - a.shape.length
    const ok = off >= 0 && a.shape.every((d, i) => d === 1 || d === p.shape[i + off])
    if (!ok)
      throw new ShapeError(
        `cannot broadcast ${showShape(a.shape)} to ${showShape(p.shape)}`,
        'sizes must be equal or 1, aligned on the right',
      )
    return [{ shape: p.shape, dtype: a.dtype }]
  },
  evaluate: ([a], p, precision) => {
    const off = p.shape.length - a.shape.length
    const s = stridesOf(a.shape)
    return [
      gatherBy(a, p.shape, precision, (idx) =>
        a.shape.reduce((acc, d, i) => acc + (d === 1 ? 0 : idx[i + off] * s[i]), 0),
      ),
    ]
  },
  printParams: (p) => `shape=${showShape(p.shape)}`,
  vjp: (ctx, e, [ct]) => [ct && sumToShape(ctx, ct, shapeOfAtom(e.inputs[0]))],
})

export interface SliceParams {
  start: number[]
  size: number[]
}

definePrimitive({
  name: 'slice',
  arity: 1,
  params: { start: 'ints', size: 'shape' },
  fusion: 'movement',
  element: (env, e, idx) =>
    operand(
      env,
      e,
      0,
      idx.map((v, i) => add(v, num(e.params.start[i]))),
    ),
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
  vjp: (ctx, e, [ct]) => {
    const shape = shapeOfAtom(e.inputs[0])
    return [
      ct &&
        ctx.emit('pad', [ct], {
          lo: e.params.start,
          hi: shape.map((d, i) => d - e.params.start[i] - e.params.size[i]),
        }),
    ]
  },
})

/** Zero padding: lo[i] zeros before and hi[i] after axis i (the transpose of slice). */
definePrimitive({
  name: 'pad',
  arity: 1,
  params: { lo: 'ints', hi: 'ints' },
  fusion: 'movement',
  element: (env, e, idx) => {
    const { b } = env
    const { lo, hi } = e.params
    const s = shapeOfAtom(e.inputs[0])
    const inside = idx.map((v, i) =>
      lo[i] === 0 && hi[i] === 0 ? undefined : and(bin('ge', v, num(lo[i])), lt(v, num(lo[i] + s[i]))),
    )
    const cond = inside
      .filter((c): c is KExpr => !!c)
      .reduce<KExpr | undefined>((acc, c) => (acc ? and(acc, c) : c), undefined)
    if (!cond) return operand(env, e, 0, idx)
    const out = b.declare(num(0), 'pad')
    const inner = s.reduce((acc, d, i) => acc * (d / (d + lo[i] + hi[i])), 1)
    const shifted = idx.map((v, i) => sub(v, num(lo[i])))
    b.when(cond, () => b.emit({ k: 'set', name: out, value: operand(env, e, 0, shifted) }), undefined, inner)
    return ref(out)
  },
  infer: ([a], p) => {
    if (
      p.lo.length !== a.shape.length ||
      p.hi.length !== a.shape.length ||
      [...p.lo, ...p.hi].some((v) => !Number.isInteger(v) || v < 0)
    )
      throw new ShapeError(
        `pad ${showShape(p.lo)}/${showShape(p.hi)} does not fit rank ${a.shape.length}`,
        'give one non-negative amount per axis',
      )
    return [{ shape: a.shape.map((d, i) => d + p.lo[i] + p.hi[i]), dtype: a.dtype }]
  },
  evaluate: ([a], p, precision) => {
    const shape = a.shape.map((d, i) => d + p.lo[i] + p.hi[i])
    const out = alloc(shape, a.dtype, precision)
    const s = stridesOf(shape)
    const inStrides = stridesOf(a.shape)
    for (let k = 0; k < a.data.length; k++) {
      let o = 0
      for (let i = 0; i < a.shape.length; i++) o += ((Math.floor(k / inStrides[i]) % a.shape[i]) + p.lo[i]) * s[i]
      out.data[o] = a.data[k]
    }
    return [out]
  },
  printParams: (p) => `lo=${showShape(p.lo)}, hi=${showShape(p.hi)}`,
  vjp: (ctx, e, [ct]) => {
    const shape = shapeOfAtom(e.inputs[0])
    return [ct && ctx.emit('slice', [ct], { start: e.params.lo, size: shape })]
  },
})

definePrimitive({
  name: 'concat',
  arity: 'variadic',
  params: { axis: 'int' },
  fusion: 'movement',
  element: (env, e, idx) => {
    const { b } = env
    const axis = e.params.axis
    const size = (i: number) => shapeOfAtom(e.inputs[i])[axis]
    const out = b.declare(num(0), 'cat')
    let offset = 0
    const branch = (i: number): void => {
      const n = size(i)
      const start = offset
      offset += n
      const shifted = idx.map((v, j) => (j === axis ? sub(v, num(start)) : v))
      const body = () => b.emit({ k: 'set', name: out, value: operand(env, e, i, shifted) })
      if (i === e.inputs.length - 1) return body()
      const rest = e.inputs.slice(i).reduce((acc, _, j) => acc + size(i + j), 0)
      b.when(lt(idx[axis], num(start + n)), body, () => branch(i + 1), n / rest)
    }
    branch(0)
    return ref(out)
  },
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
      if (a.dtype !== ins[0].dtype)
        throw new ShapeError(`concat: dtypes ${a.dtype} and ${ins[0].dtype} differ`, 'cast with .astype()')
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
  vjp: (ctx, e, [ct]) => {
    if (!ct) return e.inputs.map(() => undefined)
    let offset = 0
    return e.inputs.map((a) => {
      const shape = shapeOfAtom(a)
      const start = shape.map((_, i) => (i === e.params.axis ? offset : 0))
      offset += shape[e.params.axis]
      return ctx.emit('slice', [ct], { start, size: shape })
    })
  },
})

/** Rows of a table: out[i…, rest] = table[idx[i…], rest]. Indices are clamped to the table. */
definePrimitive({
  name: 'gather',
  arity: 2,
  params: {},
  fusion: 'movement',
  element: (env, e, idx) => {
    const idxShape = shapeOfAtom(e.inputs[1])
    const table = shapeOfAtom(e.inputs[0])
    const row = clampIndex(operand(env, e, 1, idx.slice(0, idxShape.length)), table[0])
    return operand(env, e, 0, [row, ...idx.slice(idxShape.length)])
  },
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
  vjp: (ctx, e, [ct]) => {
    const [table, idx] = e.inputs
    return [ct && ctx.emit('scatter_add', [idx, ct], { rows: shapeOfAtom(table)[0] }), undefined]
  },
})

/** The transpose of gather: rows of `values` added into a zero table at (clamped) `idx`. */
definePrimitive({
  name: 'scatter_add',
  arity: 2,
  params: { rows: 'count' },
  fusion: 'loop',
  // every index may hit one row
  terms: ([idx]) => sizeOf(idx.shape),
  element: (env, e, idx) => {
    const [indices, values] = e.inputs as Var[]
    const n = sizeOf(indices.shape)
    const rest = idx.slice(1)
    return sumLoop(env.b, n, (f) => {
      const at = unflatten(f, indices.shape)
      const r = clampIndex(elem(env, indices, at), e.params.rows)
      return { k: 'sel', c: bin('eq', r, idx[0]), a: elem(env, values, [...at, ...rest]), b: num(0) }
    })
  },
  infer: ([idx, values], p) => {
    expectDType('scatter_add', idx, ['i32'], 'index')
    if (!sameShape(values.shape.slice(0, idx.shape.length), idx.shape))
      throw new ShapeError(
        `scatter_add: values ${showShape(values.shape)} do not start with the index shape ${showShape(idx.shape)}`,
        'pass one row per index',
      )
    return [{ shape: [p.rows, ...values.shape.slice(idx.shape.length)], dtype: values.dtype }]
  },
  evaluate: ([idx, values], p, precision) => {
    const rowShape = values.shape.slice(idx.shape.length)
    const row = sizeOf(rowShape)
    const acc = new Float64Array(p.rows * row)
    for (let i = 0; i < idx.data.length; i++) {
      const r = Math.min(Math.max(idx.data[i], 0), p.rows - 1)
      for (let j = 0; j < row; j++) acc[r * row + j] += values.data[i * row + j]
    }
    const out = alloc([p.rows, ...rowShape], values.dtype, precision)
    out.data.set(acc)
    return [out]
  },
  printParams: (p) => `rows=${p.rows}`,
  vjp: (ctx, e, [ct]) => [undefined, ct && ctx.emit('gather', [ct, e.inputs[0]])],
})

export const sameAVal = (a: AVal, b: AVal) => a.dtype === b.dtype && sameShape(a.shape, b.shape)
