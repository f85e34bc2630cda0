/**
 * The CFG trade-off as PNG (host code; paper Fig. 5 at MNIST scale): FID against α on the left,
 * the accuracy on the class asked for against α on the right, one dot per α of the sweep.
 */
import { Raster, type RGB } from './raster.js'

const INK: RGB = [40, 40, 40]
const GRID: RGB = [225, 225, 225]
const LINE: RGB = [31, 119, 180]

export interface SweepPoint {
  alpha: number
  fid: number
  accuracy: number
}

interface Panel {
  left: number
  right: number
  title: string
  /** the y range and its tick labels */
  lo: number
  hi: number
  ticks: number[]
  label: (v: number) => string
  value: (p: SweepPoint) => number
}

const [WIDTH, HEIGHT, TOP, BOTTOM] = [720, 360, 40, 320]

function drawPanel(r: Raster, points: SweepPoint[], p: Panel, alphas: [number, number]): void {
  const span = alphas[1] - alphas[0] || 1
  const px = (a: number) => p.left + ((a - alphas[0]) / span) * (p.right - p.left)
  const py = (v: number) => BOTTOM - ((v - p.lo) / (p.hi - p.lo || 1)) * (BOTTOM - TOP)
  r.text(p.left, TOP - 22, p.title, INK)
  for (const t of p.ticks) {
    r.line(p.left, py(t), p.right, py(t), GRID)
    r.text(p.left - 6 - Raster.textWidth(p.label(t)), py(t) - 5, p.label(t), INK)
  }
  for (const { alpha } of points)
    r.text(px(alpha) - Raster.textWidth(String(alpha)) / 2, BOTTOM + 6, String(alpha), INK)
  r.line(p.left, BOTTOM, p.right, BOTTOM, INK)
  r.line(p.left, TOP, p.left, BOTTOM, INK)
  points.forEach((q, i) => {
    const [x, y] = [px(q.alpha), py(p.value(q))]
    if (i > 0) r.line(px(points[i - 1].alpha), py(p.value(points[i - 1])), x, y, LINE, 1, 2)
    r.dot(x, y, 4, LINE)
  })
  r.text(p.right - Raster.textWidth('ALPHA'), BOTTOM + 22, 'ALPHA', INK)
}

/** FID and accuracy against α, 720×360, for the points of a sweep in increasing α. */
export function sweepPlot(points: SweepPoint[], title: string): Buffer {
  const r = new Raster(WIDTH, HEIGHT)
  r.text(16, 6, title, INK)
  const alphas: [number, number] = [Math.min(...points.map((p) => p.alpha)), Math.max(...points.map((p) => p.alpha))]
  const fidHi = Math.max(1, ...points.map((p) => p.fid))
  const fidStep = 10 ** Math.floor(Math.log10(fidHi))
  const fidTop = Math.ceil(fidHi / fidStep) * fidStep
  drawPanel(
    r,
    points,
    {
      left: 70,
      right: 340,
      title: 'FID',
      lo: 0,
      hi: fidTop,
      ticks: Array.from({ length: Math.round(fidTop / fidStep) + 1 }, (_, i) => i * fidStep),
      label: (v) => String(Number(v.toPrecision(3))),
      value: (p) => p.fid,
    },
    alphas,
  )
  drawPanel(
    r,
    points,
    {
      left: 430,
      right: 700,
      title: 'ACCURACY ON THE CLASS ASKED FOR',
      lo: 0,
      hi: 1,
      ticks: [0, 0.25, 0.5, 0.75, 1],
      label: (v) => `${Math.round(100 * v)}%`,
      value: (p) => p.accuracy,
    },
    alphas,
  )
  return r.png()
}
