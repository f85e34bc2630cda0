/**
 * A small log-log line chart written as PNG with pngjs: panels side by side, each with axes,
 * decade/power-of-two ticks, labels and a legend, drawn on stdlib/plot's raster (3×5 font at 2×).
 */
import fs from 'node:fs'
import { Raster, type RGB } from '../stdlib/plot/raster.js'

export interface Series {
  name: string
  points: [number, number][]
}
export interface Panel {
  title: string
  xLabel: string
  yLabel: string
  series: Series[]
  /** Tick label for a y value (a power of ten). */
  yTick?: (v: number) => string
}

const COLORS: RGB[] = [
  [31, 119, 180],
  [214, 39, 40],
  [44, 160, 44],
  [255, 127, 14],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [23, 190, 207],
]
const BLACK: RGB = [0, 0, 0]
const textWidth = (s: string) => Raster.textWidth(s)

const decadeTick = (v: number) => (v >= 1 ? String(v) : v.toString())

function drawPanel(cv: Raster, ox: number, p: Panel, pw: number, ph: number) {
  const [left, right, top, bottom] = [ox + 78, ox + pw - 16, 36, ph - 56]
  const pts = p.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0)
  cv.text(ox + (pw - textWidth(p.title)) / 2, 10, p.title, BLACK)
  if (!pts.length) {
    cv.text(left + 20, top + 40, 'no data', BLACK)
    return
  }
  const lx = pts.map(([x]) => Math.log10(x))
  const ly = pts.map(([, y]) => Math.log10(y))
  const [x0, x1] = [Math.min(...lx) - 0.05, Math.max(...lx) + 0.05]
  const [y0, y1] = [Math.floor(Math.min(...ly)), Math.ceil(Math.max(...ly) + 1e-9)]
  const X = (x: number) => left + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * (right - left)
  const Y = (y: number) => bottom - ((Math.log10(y) - y0) / (y1 - y0 || 1)) * (bottom - top)
  const grey: RGB = [220, 220, 220]
  // y: one tick per decade; x: one per power of two present in the data
  for (let e = y0; e <= y1; e++) {
    const yy = Y(10 ** e)
    cv.line(left, yy, right, yy, grey)
    const label = (p.yTick ?? decadeTick)(10 ** e)
    cv.text(left - 6 - textWidth(label), yy - 5, label, BLACK)
  }
  const xs = [...new Set(p.series.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b)
  for (const x of xs) {
    const xx = X(x)
    cv.line(xx, top, xx, bottom, grey)
    const label = x >= 1024 && x % 1024 === 0 ? `${x / 1024}k` : String(x)
    cv.text(xx - textWidth(label) / 2, bottom + 8, label, BLACK)
  }
  cv.line(left, bottom, right, bottom, BLACK, 1, 2)
  cv.line(left, top, left, bottom, BLACK, 1, 2)
  cv.text(left + (right - left - textWidth(p.xLabel)) / 2, bottom + 28, p.xLabel, BLACK)
  cv.textUp(ox + 8, top + (bottom - top + textWidth(p.yLabel)) / 2, p.yLabel, BLACK)
  p.series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length]
    const ok = s.points.filter(([x, y]) => x > 0 && y > 0)
    ok.forEach(([x, y], k) => {
      cv.fillRect(X(x) - 3, Y(y) - 3, 7, 7, c)
      if (k) cv.line(X(ok[k - 1][0]), Y(ok[k - 1][1]), X(x), Y(y), c, 1, 2)
    })
    // legend, top left inside the axes
    cv.fillRect(left + 12, top + 8 + i * 16, 14, 10, c)
    cv.text(left + 32, top + 8 + i * 16, s.name, BLACK)
  })
}

/** Panels side by side, each `pw`×`ph` pixels, written to `file`. */
export function plotLogLog(file: string, panels: Panel[], pw = 600, ph = 440): void {
  const cv = new Raster(pw * panels.length, ph)
  panels.forEach((p, i) => drawPanel(cv, i * pw, p, pw, ph))
  fs.writeFileSync(file, cv.png())
}
