/**
 * The index a reshape reads its input at, from the index `idx` of its output (shape `from`; the
 * input has shape `to`), run by run: the two shapes split into the shortest
 * runs of axes with equal products (merged or split axes), and only inside a run is the index
 * flattened and unflattened. [B, H·W] → [B, H, W] reads (b, p / W, p % W), not three divisions
 * of the whole flat index, and an axis no run changes is carried across as it is.
 */
import type { KExpr } from './types.js'
import { flatIndex, unflatten } from './build.js'

export function reshapeIndex(idx: KExpr[], from: number[], to: number[]): KExpr[] {
  const out: KExpr[] = []
  let [i, j] = [0, 0]
  while (i < from.length || j < to.length) {
    const [i0, j0] = [i, j]
    let [a, b] = [1, 1]
    // grow the run on the side with the smaller product until both match (a size-1 axis may be a run alone)
    do {
      if ((a <= b && i < from.length) || j >= to.length) a *= from[i++]
      else b *= to[j++]
    } while (a !== b)
    out.push(...unflatten(flatIndex(idx.slice(i0, i), from.slice(i0, i)), to.slice(j0, j)))
  }
  return out
}
