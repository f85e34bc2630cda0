/**
 * Generated images as files (host code): a PNG grid to look at, or the raw tensors to compute with —
 * `.npy` (float32 [n, 1, 32, 32], values in [−1, 1]) or `.safetensors` (`images` as in `.npy`,
 * `labels` int32 [n], and what produced them as string metadata).
 */
import { IMAGE_SIDE, type ImageBatch } from '../data/mnist.js'
import { encodeNpy } from '../io/npy.js'
import { encodeSafetensors } from '../io/safetensors.js'
import { imageGrid } from '../plot/imageGrid.js'

export const IMAGE_FORMATS = ['.png', '.npy', '.safetensors'] as const
export type ImageFormat = (typeof IMAGE_FORMATS)[number]

/** Where the images came from: written as the grid's title and the safetensors metadata. */
export interface ImageSource {
  label: number
  alpha: number
  seed: number
  step: number
}

/** The images in rows of ⌈√n⌉, scaled ×2, black at −1 and white at 1. */
function grid(images: ImageBatch, s: ImageSource): Buffer {
  const n = images.shape[0]
  const plane = IMAGE_SIDE * IMAGE_SIDE
  const columns = Math.ceil(Math.sqrt(n))
  const rows = Math.ceil(n / columns)
  return imageGrid({
    title: `CLASS ${s.label}, ALPHA ${s.alpha}, STEP ${s.step}, SEED ${s.seed}`,
    rows: Array.from({ length: rows }, (_, r) => ({
      label: '',
      images: Array.from({ length: Math.min(columns, n - r * columns) }, (_, j) =>
        images.data.subarray((r * columns + j) * plane, (r * columns + j + 1) * plane),
      ),
    })),
    side: IMAGE_SIDE,
    scale: 2,
    black: -1,
    white: 1,
  })
}

/** The bytes of `images` (with their `labels`) in `format`. */
export function imagesFile(format: string, images: ImageBatch, labels: Int32Array, s: ImageSource): Uint8Array {
  const data = images.data as Float32Array
  switch (format) {
    case '.png':
      return grid(images, s)
    case '.npy':
      return encodeNpy(data, images.shape)
    case '.safetensors':
      return encodeSafetensors({
        metadata: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, String(v)])),
        tensors: new Map([
          ['images', { dtype: 'F32', shape: images.shape, data }],
          ['labels', { dtype: 'I32', shape: [labels.length], data: labels }],
        ]),
      })
    default:
      throw new RangeError(`no image format ${format}: ${IMAGE_FORMATS.join(', ')}`)
  }
}
