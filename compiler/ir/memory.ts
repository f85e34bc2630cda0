/**
 * The memory a run may take, checked before anything is allocated: every backend adds up the
 * bytes of the buffers it would hold at once (a plan's peak, or every value of the interpreter's
 * graph) and refuses a run over its limit in one line naming the largest buffer and the fix.
 */
import type { DType } from './types.js'
import type { Precision } from './ndarray.js'
import { sizeOf } from './shape.js'
import type { Graph } from './types.js'
import { showLoc } from './print.js'

/** What the host backends (the interpreter, gpu.js cpu and webasm) may hold at once: 4 GiB. */
export const HOST_MEMORY_LIMIT = 4 * 2 ** 30

export class MemoryLimitError extends Error {
  override name = 'MemoryLimitError'
}

export interface SizedBuffer {
  name: string
  shape: readonly number[]
  dtype: DType
}

export const bytesPerElement = (dtype: DType, precision: Precision): number =>
  dtype === 'bool' ? 1 : dtype === 'i32' || precision === 'f32' ? 4 : 8

export const bufferBytes = (b: SizedBuffer, precision: Precision): number =>
  sizeOf(b.shape) * bytesPerElement(b.dtype, precision)

const showBytes = (n: number): string =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`

/** Throws a MemoryLimitError when `bytes` (held at once, `largest` among them) is over `limit`. */
export function checkMemory(
  backend: string,
  bytes: number,
  limit: number,
  largest: SizedBuffer,
  precision: Precision,
): void {
  if (bytes <= limit) return
  throw new MemoryLimitError(
    `this run needs ${showBytes(bytes)} of buffers at once on the ${backend} backend, more than its limit of ` +
      `${showBytes(limit)}; the largest is ${largest.name} ${largest.dtype}[${largest.shape.join(',')}] ` +
      `(${showBytes(bufferBytes(largest, precision))}): run smaller batches or shapes`,
  )
}

/** The interpreter keeps every value of a graph: their bytes together, against `limit`. */
export function checkGraphMemory(graph: Graph, precision: Precision, backend: string, limit: number): void {
  const values: SizedBuffer[] = [
    ...graph.inputs.map((v, i) => ({ name: `input ${graph.inputNames?.[i] ?? i}`, shape: v.shape, dtype: v.dtype })),
    ...graph.eqns.flatMap((e) =>
      e.outputs.map((v) => ({
        name: `the result of ${e.prim}${e.loc ? ` at ${showLoc(e.loc)}` : ''}`,
        shape: v.shape,
        dtype: v.dtype,
      })),
    ),
  ]
  if (!values.length) return
  const bytes = values.reduce((s, v) => s + bufferBytes(v, precision), 0)
  const largest = values.reduce((a, b) => (bufferBytes(b, precision) > bufferBytes(a, precision) ? b : a))
  checkMemory(backend, bytes, limit, largest, precision)
}
