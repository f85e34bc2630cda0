/** The scatter plot of a toy run as PNG (host code): data and generated points on a fixed square frame. */
import type { Mat } from '../../dsl/index.js'
import { Raster, type RGB } from '../plot/raster.js'

export interface Frame {
  lo: number
  hi: number
}

const DATA_COLOR: RGB = [31, 119, 180]
const SAMPLE_COLOR: RGB = [230, 85, 13]
const INK: RGB = [40, 40, 40]
const GRID: RGB = [225, 225, 225]

/** [−1.5, 1.5]², widened (in steps of 0.5) to hold the generator's start point with a margin. */
export function frameFor(start: [number, number]): Frame {
  const reach = Math.max(1.5, ...start.map((c) => Math.ceil((Math.abs(c) + 0.5) * 2) / 2))
  return { lo: -reach, hi: reach }
}

export interface ScatterInput {
  data: Mat
  samples: Mat
  frame: Frame
  title: string
}

/** 512×512: data in blue, samples in orange, integer grid lines, and the count of samples outside the frame. */
export function scatterPlot({ data, samples, frame, title }: ScatterInput): Buffer {
  const size = 512
  const [left, top, side] = [28, 28, size - 40]
  const r = new Raster(size, size)
  const toPx = (x: number, y: number): [number, number] => [
    left + ((x - frame.lo) / (frame.hi - frame.lo)) * side,
    top + ((frame.hi - y) / (frame.hi - frame.lo)) * side,
  ]
  for (let g = Math.ceil(frame.lo); g <= frame.hi; g++) {
    const [gx, gy] = toPx(g, g)
    r.line(gx, top, gx, top + side, GRID)
    r.line(left, gy, left + side, gy, GRID)
    const label = String(g)
    r.text(gx - Raster.textWidth(label) / 2, top + side + 4, label, INK)
    r.text(left - 4 - Raster.textWidth(label), gy - 5, label, INK)
  }
  r.line(left, top, left + side, top, INK)
  r.line(left, top + side, left + side, top + side, INK)
  r.line(left, top, left, top + side, INK)
  r.line(left + side, top, left + side, top + side, INK)
  const draw = (m: Mat, color: RGB, alpha: number): number => {
    let outside = 0
    for (let i = 0; i < m.shape[0]; i++) {
      const [x, y] = [m.data[2 * i], m.data[2 * i + 1]]
      if (!(x >= frame.lo && x <= frame.hi && y >= frame.lo && y <= frame.hi)) outside++
      else r.dot(...toPx(x, y), 1.3, color, alpha)
    }
    return outside
  }
  draw(data, DATA_COLOR, 0.35)
  const outside = draw(samples, SAMPLE_COLOR, 0.45)
  r.text(left, 8, title, INK)
  const legend = `DATA ${data.shape[0]}`
  const legend2 = `SAMPLES ${samples.shape[0]}${outside ? ` (${outside} OUTSIDE)` : ''}`
  const lx = left + side - Raster.textWidth(legend2) - 4
  r.fillRect(lx - 14, top + 6, 8, 8, DATA_COLOR)
  r.text(lx, top + 5, legend, INK)
  r.fillRect(lx - 14, top + 22, 8, 8, SAMPLE_COLOR)
  r.text(lx, top + 21, legend2, INK)
  return r.png()
}
