/** Host-side layout changes for the peers that want channels last (tfjs): OIHW ↔ HWIO filters, NCHW ↔ NHWC images. */

/** Permute a row-major array of `shape` by `perm` (output axis i is input axis perm[i]). */
export function permute(data: ArrayLike<number>, shape: number[], perm: number[]): Float32Array {
  const out = new Float32Array(data.length)
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1))
  const outShape = perm.map((p) => shape[p])
  const idx = new Array<number>(shape.length).fill(0)
  for (let k = 0; k < out.length; k++) {
    let src = 0
    for (let i = 0; i < perm.length; i++) src += idx[i] * strides[perm[i]]
    out[k] = data[src]
    for (let i = idx.length - 1; i >= 0 && ++idx[i] === outShape[i]; i--) idx[i] = 0
  }
  return out
}

/** OIHW filter data → HWIO. */
export const toHWIO = (data: ArrayLike<number>, oihw: number[]) => permute(data, oihw, [2, 3, 1, 0])
/** HWIO filter data → OIHW, given the OIHW shape. */
export const fromHWIO = (data: ArrayLike<number>, [o, i, h, w]: number[]) => permute(data, [h, w, i, o], [3, 2, 0, 1])
/** NCHW image data → NHWC. */
export const toNHWC = (data: ArrayLike<number>, nchw: number[]) => permute(data, nchw, [0, 2, 3, 1])
/** NHWC image data → NCHW, given the NCHW shape. */
export const fromNHWC = (data: ArrayLike<number>, [n, c, h, w]: number[]) => permute(data, [n, h, w, c], [0, 3, 1, 2])
