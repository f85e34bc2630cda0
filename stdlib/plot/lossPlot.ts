/** The loss curve of a training run as PNG (host code): every step's loss and its running mean on a log-scale y axis. */
import { Raster, type RGB } from './raster.js'

const INK: RGB = [40, 40, 40]
const GRID: RGB = [225, 225, 225]
const LINE: RGB = [31, 119, 180]
const LIGHT: RGB = [158, 202, 225]

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
  polyline(losses, LIGHT, 1)
  polyline(runningMean(losses, Math.max(1, Math.round(losses.length / 50))), LINE, 1)
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
