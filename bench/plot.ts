/**
 * A small log-log line chart written as PNG with pngjs: panels side by side, each with axes,
 * decade/power-of-two ticks, labels and a legend, in a 3×5 pixel font drawn at 2×.
 */
import fs from 'node:fs'
import { PNG } from 'pngjs'

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

// 3×5 glyphs, five rows top to bottom, '#' = ink
const GLYPHS: Record<string, string> = {
  '0': '### #.# #.# #.# ###', '1': '.#. ##. .#. .#. ###', '2': '### ..# ### #.. ###', '3': '### ..# .## ..# ###', '4': '#.# #.# ### ..# ..#',
  '5': '### #.. ### ..# ###', '6': '### #.. ### #.# ###', '7': '### ..# ..# .#. .#.', '8': '### #.# ### #.# ###', '9': '### #.# ### ..# ###',
  a: '.#. #.# ### #.# #.#', b: '##. #.# ##. #.# ##.', c: '.## #.. #.. #.. .##', d: '##. #.# #.# #.# ##.', e: '### #.. ##. #.. ###',
  f: '### #.. ##. #.. #..', g: '.## #.. #.# #.# .##', h: '#.# #.# ### #.# #.#', i: '### .#. .#. .#. ###', j: '..# ..# ..# #.# .#.',
  k: '#.# #.# ##. #.# #.#', l: '#.. #.. #.. #.. ###', m: '#.# ### ### #.# #.#', n: '##. #.# #.# #.# #.#', o: '.#. #.# #.# #.# .#.',
  p: '##. #.# ##. #.. #..', q: '.#. #.# #.# ##. .##', r: '##. #.# ##. #.# #.#', s: '.## #.. .#. ..# ##.', t: '### .#. .#. .#. .#.',
  u: '#.# #.# #.# #.# ###', v: '#.# #.# #.# #.# .#.', w: '#.# #.# ### ### #.#', x: '#.# #.# .#. #.# #.#', y: '#.# #.# .#. .#. .#.',
  z: '### ..# .#. #.. ###', ' ': '... ... ... ... ...', '.': '... ... ... ... .#.', '-': '... ... ### ... ...', '(': '.#. #.. #.. #.. .#.',
  ')': '.#. ..# ..# ..# .#.', '=': '... ### ... ### ...', '/': '..# ..# .#. #.. #..', ',': '... ... ... .#. #..', ':': '... .#. ... .#. ...',
  '×': '... #.# .#. #.# ...', '>': '#.. .#. ..# .#. #..', '÷': '.#. ... ### ... .#.',
}

type RGB = [number, number, number]
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

class Canvas {
  readonly png: PNG
  constructor(
    readonly w: number,
    readonly h: number,
  ) {
    this.png = new PNG({ width: w, height: h })
    this.png.data.fill(255)
  }
  set(x: number, y: number, c: RGB) {
    x = Math.round(x)
    y = Math.round(y)
    if (x < 0 || y < 0 || x >= this.w || y >= this.h) return
    const o = (y * this.w + x) * 4
    ;[this.png.data[o], this.png.data[o + 1], this.png.data[o + 2], this.png.data[o + 3]] = [c[0], c[1], c[2], 255]
  }
  rect(x: number, y: number, w: number, h: number, c: RGB) {
    for (let i = 0; i < w; i++) for (let j = 0; j < h; j++) this.set(x + i, y + j, c)
  }
  line(x0: number, y0: number, x1: number, y1: number, c: RGB, width = 1) {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1)
    for (let s = 0; s <= steps; s++) this.rect(x0 + ((x1 - x0) * s) / steps - (width >> 1), y0 + ((y1 - y0) * s) / steps - (width >> 1), width, width, c)
  }
  /** Text at 2× (6×10 per glyph, 8 px advance); `vertical` draws bottom-to-top. */
  text(x: number, y: number, s: string, c: RGB = [0, 0, 0], vertical = false) {
    ;[...s.toLowerCase()].forEach((ch, k) => {
      const g = (GLYPHS[ch] ?? GLYPHS[' ']).replace(/ /g, '')
      for (let r = 0; r < 5; r++)
        for (let q = 0; q < 3; q++)
          if (g[r * 3 + q] === '#') {
            if (vertical) this.rect(x + r * 2, y - k * 8 - q * 2, 2, 2, c)
            else this.rect(x + k * 8 + q * 2, y + r * 2, 2, 2, c)
          }
    })
  }
}
export const textWidth = (s: string) => s.length * 8

const decadeTick = (v: number) => (v >= 1 ? String(v) : v.toString())

function drawPanel(cv: Canvas, ox: number, p: Panel, pw: number, ph: number) {
  const [left, right, top, bottom] = [ox + 78, ox + pw - 16, 36, ph - 56]
  const pts = p.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0)
  cv.text(ox + (pw - textWidth(p.title)) / 2, 10, p.title)
  if (!pts.length) {
    cv.text(left + 20, top + 40, 'no data')
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
    cv.text(left - 6 - textWidth(label), yy - 5, label)
  }
  const xs = [...new Set(p.series.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b)
  for (const x of xs) {
    const xx = X(x)
    cv.line(xx, top, xx, bottom, grey)
    const label = x >= 1024 && x % 1024 === 0 ? `${x / 1024}k` : String(x)
    cv.text(xx - textWidth(label) / 2, bottom + 8, label)
  }
  cv.line(left, bottom, right, bottom, [0, 0, 0], 2)
  cv.line(left, top, left, bottom, [0, 0, 0], 2)
  cv.text(left + (right - left - textWidth(p.xLabel)) / 2, bottom + 28, p.xLabel)
  cv.text(ox + 8, top + (bottom - top + textWidth(p.yLabel)) / 2, p.yLabel, [0, 0, 0], true)
  p.series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length]
    const ok = s.points.filter(([x, y]) => x > 0 && y > 0)
    ok.forEach(([x, y], k) => {
      cv.rect(X(x) - 3, Y(y) - 3, 7, 7, c)
      if (k) cv.line(X(ok[k - 1][0]), Y(ok[k - 1][1]), X(x), Y(y), c, 2)
    })
    // legend, top left inside the axes
    cv.rect(left + 12, top + 8 + i * 16, 14, 10, c)
    cv.text(left + 32, top + 8 + i * 16, s.name)
  })
}

/** Panels side by side, each `pw`×`ph` pixels, written to `file`. */
export function plotLogLog(file: string, panels: Panel[], pw = 600, ph = 440): void {
  const cv = new Canvas(pw * panels.length, ph)
  panels.forEach((p, i) => drawPanel(cv, i * pw, p, pw, ph))
  fs.writeFileSync(file, PNG.sync.write(cv.png))
}
