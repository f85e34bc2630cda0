/** A small RGB raster for plots (the toy run's figures, the benchmark plot), encoded as PNG by pngjs: points, lines, rectangles and 3×5 text. */
import { PNG } from 'pngjs'
import { GLYPH_H, GLYPH_W, glyph } from './font.js'

export type RGB = [number, number, number]

export class Raster {
  readonly pixels: Uint8Array

  constructor(
    readonly width: number,
    readonly height: number,
    background: RGB = [255, 255, 255],
  ) {
    this.pixels = new Uint8Array(width * height * 3)
    for (let i = 0; i < width * height; i++) this.pixels.set(background, 3 * i)
  }

  /** Blend `color` over pixel (x, y) with opacity alpha ∈ [0, 1]; outside the raster does nothing. */
  blend(x: number, y: number, color: RGB, alpha = 1): void {
    x = Math.round(x)
    y = Math.round(y)
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return
    const o = 3 * (y * this.width + x)
    for (let c = 0; c < 3; c++) this.pixels[o + c] = Math.round(this.pixels[o + c] * (1 - alpha) + color[c] * alpha)
  }

  fillRect(x0: number, y0: number, w: number, h: number, color: RGB, alpha = 1): void {
    for (let y = Math.round(y0); y < Math.round(y0 + h); y++)
      for (let x = Math.round(x0); x < Math.round(x0 + w); x++) this.blend(x, y, color, alpha)
  }

  /** A disc of radius r centred at (x, y). */
  dot(x: number, y: number, r: number, color: RGB, alpha = 1): void {
    const R = Math.ceil(r)
    for (let dy = -R; dy <= R; dy++)
      for (let dx = -R; dx <= R; dx++) if (dx * dx + dy * dy <= r * r + 0.5) this.blend(x + dx, y + dy, color, alpha)
  }

  /** A straight line (DDA), `width` pixels wide. */
  line(x0: number, y0: number, x1: number, y1: number, color: RGB, alpha = 1, width = 1): void {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))))
    const half = width >> 1
    for (let i = 0; i <= n; i++) {
      const [x, y] = [x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n]
      if (width === 1) this.blend(x, y, color, alpha)
      else this.fillRect(Math.round(x) - half, Math.round(y) - half, width, width, color, alpha)
    }
  }

  /** Text with its top-left corner at (x, y), each font pixel drawn as a scale × scale square. */
  text(x: number, y: number, s: string, color: RGB, scale = 2): void {
    ;[...s].forEach((ch, i) => {
      for (const [gx, gy] of glyph(ch))
        this.fillRect(x + (i * (GLYPH_W + 1) + gx) * scale, y + gy * scale, scale, scale, color)
    })
  }

  /** Text read bottom to top (a y-axis label), starting at (x, y) and running upwards. */
  textUp(x: number, y: number, s: string, color: RGB, scale = 2): void {
    ;[...s].forEach((ch, i) => {
      for (const [gx, gy] of glyph(ch))
        this.fillRect(x + gy * scale, y - (i * (GLYPH_W + 1) + gx) * scale, scale, scale, color)
    })
  }

  static textWidth(s: string, scale = 2): number {
    return [...s].length * (GLYPH_W + 1) * scale - scale
  }

  static readonly textHeight = (scale = 2): number => GLYPH_H * scale

  png(): Buffer {
    const png = new PNG({ width: this.width, height: this.height })
    for (let i = 0; i < this.width * this.height; i++) {
      png.data[4 * i] = this.pixels[3 * i]
      png.data[4 * i + 1] = this.pixels[3 * i + 1]
      png.data[4 * i + 2] = this.pixels[3 * i + 2]
      png.data[4 * i + 3] = 255
    }
    return PNG.sync.write(png, { colorType: 2 })
  }
}
