/**
 * The plots of a toy run as PNG (host code): a scatter of data and generated points on a fixed
 * square frame, and the loss curve on a log-scale y axis.
 */
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

/** 640×400: the loss of every step (light) and its running mean over ~1/50 of the run (dark), log10 y axis with decade labels. */
export function lossPlot(losses: number[], title: string): Buffer {
  const [w, h] = [640, 400]
  const [left, top, right, bottom] = [64, 30, w - 16, h - 30]
  const r = new Raster(w, h)
  r.text(left, 8, title, INK)
  const positive = losses.filter((l) => l > 0 && Number.isFinite(l))
  if (positive.length === 0) {
    r.text(left, top + 20, 'NO POSITIVE LOSS TO PLOT YET', INK)
    return r.png()
  }
  let [dLo, dHi] = [Math.floor(Math.log10(Math.min(...positive))), Math.ceil(Math.log10(Math.max(...positive)))]
  if (dHi === dLo) dHi++
  const n = Math.max(losses.length, 2)
  const px = (s: number) => left + (s / (n - 1)) * (right - left)
  const py = (l: number) => bottom - ((Math.log10(l) - dLo) / (dHi - dLo)) * (bottom - top)
  const decadeStep = Math.ceil((dHi - dLo) / 8)
  for (let d = dLo; d <= dHi; d += decadeStep) {
    r.line(left, py(10 ** d), right, py(10 ** d), GRID)
    const label = `1E${d}`
    r.text(left - 6 - Raster.textWidth(label), py(10 ** d) - 5, label, INK)
  }
  const xStep = niceStep((n - 1) / 5)
  for (let s = 0; s <= n - 1; s += xStep) {
    r.line(px(s), top, px(s), bottom, GRID)
    r.text(px(s) - Raster.textWidth(String(s)) / 2, bottom + 6, String(s), INK)
  }
  r.line(left, bottom, right, bottom, INK)
  r.line(left, top, left, bottom, INK)
  const polyline = (values: number[], color: RGB, alpha: number) => {
    let prev: [number, number] | undefined
    values.forEach((l, s) => {
      if (!(l > 0 && Number.isFinite(l))) return (prev = undefined)
      const p: [number, number] = [px(s), py(l)]
      if (prev) r.line(prev[0], prev[1], p[0], p[1], color, alpha)
      else r.blend(p[0], p[1], color, alpha)
      prev = p
    })
  }
  polyline(losses, [158, 202, 225], 1)
  polyline(runningMean(losses, Math.max(1, Math.round(losses.length / 50))), DATA_COLOR, 1)
  r.text(right - Raster.textWidth('STEP'), bottom + 18, 'STEP', INK)
  return r.png()
}

/** 1, 2 or 5 times a power of ten, at least x. */
function niceStep(x: number): number {
  if (x <= 1) return 1
  const p = 10 ** Math.floor(Math.log10(x))
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= x)!
}

/** The mean of the finite values among the last `window` (a NaN loss leaves a gap, not a NaN line from there on). */
function runningMean(values: number[], window: number): number[] {
  return values.map((_, i) => {
    const recent = values.slice(Math.max(0, i - window + 1), i + 1).filter(Number.isFinite)
    return recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN
  })
}
