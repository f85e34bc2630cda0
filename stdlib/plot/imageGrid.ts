/** Rows of grayscale images as one PNG (host code), each row labelled: originals, masked inputs, reconstructions, samples. */
import { Raster, type RGB } from './raster.js'

const INK: RGB = [40, 40, 40]

export interface ImageRow {
  label: string
  /** each image side × side values, row-major */
  images: ArrayLike<number>[]
}

export interface GridOptions {
  title: string
  rows: ImageRow[]
  side: number
  /** each image pixel becomes scale × scale screen pixels */
  scale: number
  /** the values shown as black and as white; values outside are clamped */
  black: number
  white: number
}

/** The rows under a title, labels on the left, a 4-pixel gap between images. */
export function imageGrid(o: GridOptions): Buffer {
  const gap = 4
  const cell = o.side * o.scale
  const labelWidth = Math.max(...o.rows.map((r) => Raster.textWidth(r.label))) + 12
  const columns = Math.max(...o.rows.map((r) => r.images.length))
  const top = 26
  const width = labelWidth + columns * (cell + gap) + gap
  const height = top + o.rows.length * (cell + gap) + gap
  const r = new Raster(Math.max(width, Raster.textWidth(o.title) + 16), height)
  r.text(8, 8, o.title, INK)
  o.rows.forEach((row, i) => {
    const y0 = top + i * (cell + gap)
    r.text(6, y0 + cell / 2 - 5, row.label, INK)
    row.images.forEach((img, j) => {
      const x0 = labelWidth + j * (cell + gap)
      for (let y = 0; y < o.side; y++)
        for (let x = 0; x < o.side; x++) {
          const t = Math.min(1, Math.max(0, (img[y * o.side + x] - o.black) / (o.white - o.black)))
          const v = Math.round(255 * (Number.isFinite(t) ? t : 0))
          r.fillRect(x0 + x * o.scale, y0 + y * o.scale, o.scale, o.scale, [v, v, v])
        }
    })
  })
  return r.png()
}
