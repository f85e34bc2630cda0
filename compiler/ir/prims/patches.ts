/**
 * Image patches and their adjoint, on a stack of 2-D planes: the pieces a convolution becomes
 * when it is computed as a matrix product (transforms/convMatmuls.ts).
 *
 * patches x [B, H, W] → [B·KH·KW, OH, OW]: plane (b·KH + dy)·KW + dx holds, at (oy, ox), the input
 * x[b, oy·sy + dy − py, ox·sx + dx − px], 0 outside the input (zero padding).
 * col2im cols [B·KH·KW, OH, OW] → [B, H, W]: its transpose, every patch value added back to the
 * pixel it came from, the pixels grouped by phase at strides above 1 (below). Both are linear;
 * each is the other's VJP (through the views that ungroup the phases).
 */
import type { AVal, Atom, PrimName } from '../types.js'
import { alloc, type NDArray, type Precision } from '../ndarray.js'
import { ShapeError, showShape } from '../shape.js'
import { definePrimitive, expectDType } from '../primitive.js'
import { elem } from '../../kernel/element.js'
import { col2imElement, patchElement } from './patchElements.js'

declare module '../types.js' {
  interface PrimParams {
    patches: PatchParams
    col2im: Col2imParams
  }
}

export interface PatchParams {
  /** Filter size [KH, KW], stride and zero padding (rows, columns). */
  kernel: [number, number]
  stride: [number, number]
  padding: [number, number]
}

/** The output size of a window of `k` sliding over `n` (padded by `p` on both sides) in steps of `s`. */
export const windows = (n: number, k: number, s: number, p: number) => Math.floor((n + 2 * p - k) / s) + 1

export function patchesShape(x: number[], p: PatchParams): number[] {
  if (x.length !== 3)
    throw new ShapeError(`patches takes a stack of planes [B,H,W], got ${showShape(x)}`, 'reshape to [B,H,W]')
  const [b, h, w] = x
  const [oh, ow] = [
    windows(h, p.kernel[0], p.stride[0], p.padding[0]),
    windows(w, p.kernel[1], p.stride[1], p.padding[1]),
  ]
  if (oh <= 0 || ow <= 0)
    throw new ShapeError(
      `patches: a ${p.kernel.join('x')} window does not fit a ${h}x${w} plane`,
      'add padding or use a smaller window',
    )
  return [b * p.kernel[0] * p.kernel[1], oh, ow]
}

/** Visit every (plane element, patch element) pair: flat index into [B,H,W] and into [B·KH·KW, OH, OW]. */
function forEachTap(x: number[], p: PatchParams, f: (pixel: number, patch: number) => void): void {
  const [b, h, w] = x
  const [, oh, ow] = patchesShape(x, p)
  const [kh, kw] = p.kernel
  for (let i = 0; i < b; i++)
    for (let dy = 0; dy < kh; dy++)
      for (let dx = 0; dx < kw; dx++)
        for (let y = 0; y < oh; y++) {
          const iy = y * p.stride[0] + dy - p.padding[0]
          if (iy < 0 || iy >= h) continue
          for (let xx = 0; xx < ow; xx++) {
            const ix = xx * p.stride[1] + dx - p.padding[1]
            if (ix < 0 || ix >= w) continue
            f((i * h + iy) * w + ix, (((i * kh + dy) * kw + dx) * oh + y) * ow + xx)
          }
        }
}

const printPatch = (p: PatchParams) =>
  `kernel=${showShape(p.kernel)}, stride=${showShape(p.stride)}, padding=${showShape(p.padding)}`

const patchParams = (p: PatchParams): Record<string, unknown> & PatchParams => ({
  kernel: p.kernel,
  stride: p.stride,
  padding: p.padding,
})

definePrimitive<'patches'>({
  name: 'patches',
  arity: 1,
  params: { kernel: 'pair', stride: 'pair', padding: 'pair' },
  fusion: 'movement',
  element: (env, e, idx) => {
    const x = e.inputs[0] as AVal
    return patchElement(env.b, (ix) => elem(env, e.inputs[0], ix), x.shape, e.params, idx)
  },
  infer: ([x], p) => {
    expectDType('patches', x, ['f32'])
    return [{ shape: patchesShape(x.shape, p), dtype: 'f32' }]
  },
  evaluate: ([x], p, precision): NDArray[] => {
    const out = alloc(patchesShape(x.shape, p), 'f32', precision)
    forEachTap(x.shape, p, (pixel, patch) => (out.data[patch] = x.data[pixel]))
    return [out]
  },
  printParams: printPatch,
  vjp: (ctx, e, [ct]) => {
    const x = e.inputs[0] as AVal
    return [ct && ctx.emit('col2im', [ct], { ...patchParams(e.params), size: [x.shape[1], x.shape[2]] })]
  },
})

export interface Col2imParams extends PatchParams {
  /** The planes' size [H, W]. */
  size: [number, number]
}

/** The phase-major shape of [B, H, W] planes at stride [sy, sx]: [B·sy·sx, ⌈H/sy⌉, ⌈W/sx⌉]. */
export const phasesShape = (b: number, [h, w]: number[], [sy, sx]: number[]) => [
  b * sy * sx,
  Math.ceil(h / sy),
  Math.ceil(w / sx),
]

/**
 * The views from phase-major planes back to [B, H, W] planes, as (primitive, params, output shape)
 * steps: [B, sy, sx, H', W'] → [B, H', sy, W', sx] → [B, H'·sy, W'·sx], cut to H × W (none at stride 1).
 */
export function unphaseSteps(
  b: number,
  [h, w]: number[],
  [sy, sx]: number[],
): [PrimName, Record<string, unknown>, number[]][] {
  if (sy === 1 && sx === 1) return []
  const [, hp, wp] = phasesShape(b, [h, w], [sy, sx])
  const steps: [PrimName, Record<string, unknown>, number[]][] = [
    ['reshape', { shape: [b, sy, sx, hp, wp] }, [b, sy, sx, hp, wp]],
    ['transpose', { perm: [0, 3, 1, 4, 2] }, [b, hp, sy, wp, sx]],
    ['reshape', { shape: [b, hp * sy, wp * sx] }, [b, hp * sy, wp * sx]],
  ]
  if (hp * sy !== h || wp * sx !== w) steps.push(['slice', { start: [0, 0, 0], size: [b, h, w] }, [b, h, w]])
  return steps
}

function col2imShape(cols: number[], p: Col2imParams): number[] {
  const taps = p.kernel[0] * p.kernel[1]
  const b = cols[0] / taps
  if (cols.length !== 3 || !Number.isInteger(b) || patchesShape([b, ...p.size], p).join() !== cols.join())
    throw new ShapeError(
      `col2im: ${showShape(cols)} are not the ${p.kernel.join('x')} patches of [B,${p.size.join(',')}] planes`,
      'pass the output of patches with the same parameters',
    )
  return phasesShape(b, p.size, p.stride)
}

/**
 * col2im cols [B·KH·KW, OH, OW] → the [B, H, W] planes whose patches they are, every patch value
 * added back to its pixel (the transpose of patches), with the pixels grouped by phase: plane
 * (b·sy + ry)·sx + rx holds the pixels (my·sy + ry, mx·sx + rx) of plane b, 0 past H × W. At
 * stride 1 that is the image itself; at stride s each phase is reached by its own subset of the
 * taps, the same for all its pixels, so its element code is vector code (patchElements.ts).
 */
definePrimitive<'col2im'>({
  name: 'col2im',
  arity: 1,
  params: { kernel: 'pair', stride: 'pair', padding: 'pair', size: 'pair' },
  fusion: 'loop',
  terms: (_i, p) => p.kernel[0] * p.kernel[1],
  element: (env, e, idx) => {
    const cols = e.inputs[0] as AVal
    return col2imElement(env.b, (ix) => elem(env, e.inputs[0], ix), cols.shape, e.params, idx)
  },
  infer: ([c], p) => {
    expectDType('col2im', c, ['f32'])
    return [{ shape: col2imShape(c.shape, p), dtype: 'f32' }]
  },
  evaluate: ([c], p, precision: Precision): NDArray[] => {
    const shape = col2imShape(c.shape, p)
    const b = c.shape[0] / (p.kernel[0] * p.kernel[1])
    const [h, w] = p.size
    const [sy, sx] = p.stride
    const acc = new Float64Array(shape.reduce((x, y) => x * y, 1))
    forEachTap([b, h, w], p, (pixel, patch) => {
      const [i, iy, ix] = [Math.floor(pixel / (h * w)), Math.floor(pixel / w) % h, pixel % w]
      const plane = (i * sy + (iy % sy)) * sx + (ix % sx)
      acc[(plane * shape[1] + Math.floor(iy / sy)) * shape[2] + Math.floor(ix / sx)] += c.data[patch]
    })
    const out = alloc(shape, 'f32', precision)
    out.data.set(acc)
    return [out]
  },
  printParams: (p) => `${printPatch(p)}, size=${showShape(p.size)}`,
  vjp: (ctx, e, [ct]) => {
    if (!ct) return [undefined]
    const b = (e.inputs[0] as AVal).shape[0] / (e.params.kernel[0] * e.params.kernel[1])
    const image = unphaseSteps(b, e.params.size, e.params.stride).reduce<Atom>(
      (v, [prim, params]) => ctx.emit(prim, [v], params as never),
      ct,
    )
    return [ctx.emit('patches', [image], patchParams(e.params))]
  },
})
