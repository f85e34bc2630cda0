/** Shape arithmetic shared by the primitive rules, the frontend and the interpreter. */
import type { AVal, DType } from './types.js'

/** A shape rule failed: what was found and how to fix it. The frontend adds the user's location. */
export class ShapeError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message)
  }
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1)

export const stridesOf = (shape: readonly number[]): number[] => {
  const s = new Array<number>(shape.length)
  let acc = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc
    acc *= shape[i]
  }
  return s
}

export const showShape = (shape: readonly number[]): string => `[${shape.join(',')}]`
export const showAVal = (a: AVal): string => `${a.dtype}${showShape(a.shape)}`
export const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i])

/** NumPy broadcasting: align on the right, dims must be equal or 1. */
export function broadcastShapes(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length))
  const out: number[] = []
  for (let i = 0; i < rank; i++) {
    let d = 1
    for (const s of shapes) {
      const k = s.length - rank + i
      const e = k >= 0 ? s[k] : 1
      if (e === 1) continue
      if (d !== 1 && d !== e)
        throw new ShapeError(
          `shapes ${shapes.map(showShape).join(' and ')} cannot be broadcast (axis ${i - rank}: ${d} vs ${e})`,
          'make the sizes equal, or 1 on the axis to broadcast; reshape or transpose an operand',
        )
      d = e
    }
    out.push(d)
  }
  return out
}

/** Normalize a possibly negative axis; throws a ShapeError when out of range. */
export function normAxis(axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1) || (rank === 0 && axis !== 0 && axis !== -1))
    throw new ShapeError(
      `${what} ${axis} is out of range for a tensor of rank ${rank}`,
      `use an axis in [${-rank}, ${rank - 1}]`,
    )
  return axis < 0 ? axis + rank : axis
}

export const isFloat = (d: DType): boolean => d === 'f32'

/** Type promotion for binary ops: bool < i32 < f32. */
export function promote(a: DType, b: DType): DType {
  if (a === 'f32' || b === 'f32') return 'f32'
  if (a === 'i32' || b === 'i32') return 'i32'
  return 'bool'
}
