/**
 * Convolutions as matrix products, for backends whose matmul kernels are register-blocked tiles
 * (wasm). With K = C·KH·KW taps and P = OH·OW output pixels, the patches of x are a [N, K, P]
 * matrix (`patches`, compiler/ir/prims/patches.ts) and
 *   conv2d(x, w)              = w [O, K] · patches(x)[n]               → [N, O, P]
 *   conv2d_grad_filter(x, ct) = Σₙ patches(x)[n] · ct[n]ᵀ [P, O]        → [K, O], transposed
 *   conv2d_grad_input(ct, w)  = col2im(wᵀ [K, O] · ct[n] [O, P])       → [N, C, H, W]
 * The patches of an input are built once and shared by its convolution and filter gradient; ct
 * is transposed once into [N, P, O], so the filter gradient's loads are contiguous along O.
 * col2im groups its pixels by phase at strides above 1 (each phase sums its own taps with vector
 * loads); views put them back in place, read by whatever consumes the gradient.
 *
 * Every product is stored (the returned `stored`, with the reason): inlined, a whole convolution
 * would be recomputed inside the loop of whatever reads it. The patches are stored too (im2col),
 * or recomputed inside the product's loop (`direct`: a register-blocked direct convolution, each
 * tile gathering its inputs through the padding tests); `design` picks per convolution.
 */
import type { Atom, Graph, Var } from '../ir/types.js'
import type { Conv2dParams } from '../ir/prims/linalg.js'
import { unphaseSteps, windows } from '../ir/prims/patches.js'
import { rewriteEach, type Rewriter } from './rewrite.js'

export type ConvDesign = 'im2col' | 'direct'

/** What a design choice sees: the convolution's input [N, C, H, W], filter [O, C, KH, KW] and parameters. */
export interface ConvShape {
  x: number[]
  w: number[]
  params: Conv2dParams
}

export interface ConvLowering {
  graph: Graph
  /** Variables fusion must store, with why. */
  stored: Map<number, string>
  /** Variables fusion must recompute where they are read (the patches of a direct convolution). */
  inline: Set<number>
}

const PRODUCT = 'a convolution as a matrix product: stored, never recomputed inside the loop of a reader'
const PATCHES = "im2col: the input's patches, stored once for the products that read them"
const TRANSPOSED = "the convolution's cotangent, transposed [N, P, O] for the filter gradient's contiguous loads"

/** im2col everywhere: measured faster than the direct design at every shape tried (docs/compiler.md). */
export const im2colEverywhere = (): ConvDesign => 'im2col'

/** A 1×1 filter at stride 1 without padding: its patches are the input itself. */
const pointwise = (kh: number, kw: number, p: Conv2dParams) =>
  kh * kw === 1 && p.stride.every((s) => s === 1) && p.padding.every((q) => q === 0)

/** `v` read as `shape` (a view). */
const view = (r: Rewriter, v: Var, shape: number[]): Var => r.emit('reshape', [v], { shape })

export function convMatmuls(g: Graph, design: (c: ConvShape) => ConvDesign = im2colEverywhere): ConvLowering {
  const stored = new Map<number, string>()
  const inline = new Set<number>()
  const patchesOf = new Map<string, Var>()

  /** The [N, K, P] patches of x for a filter of this shape, built once per input and parameters. */
  const patches = (r: Rewriter, x: Var, filter: number[], p: Conv2dParams): Var => {
    const [kh, kw] = [filter[2], filter[3]]
    const key = `${x.id}|${kh},${kw}|${p.stride}|${p.padding}`
    const known = patchesOf.get(key)
    if (known) return known
    const [n, c, h, w] = x.shape
    const [oh, ow] = [windows(h, kh, p.stride[0], p.padding[0]), windows(w, kw, p.stride[1], p.padding[1])]
    const k = c * kh * kw
    let cols: Var
    if (pointwise(kh, kw, p)) cols = view(r, x, [n, c, h * w])
    else {
      const params = { kernel: [kh, kw], stride: p.stride, padding: p.padding }
      const flat = r.emit('patches', [view(r, x, [n * c, h, w])], params)
      cols = view(r, flat, [n, k, oh * ow])
      if (design({ x: x.shape, w: filter, params: p }) === 'im2col') stored.set(flat.id, PATCHES)
      else for (const v of [flat, cols]) inline.add(v.id)
    }
    patchesOf.set(key, cols)
    return cols
  }

  /** A product of the rewrite, stored. */
  const product = (r: Rewriter, a: Atom, b: Atom): Var => {
    const v = r.emit('matmul', [a, b])
    stored.set(v.id, PRODUCT)
    return v
  }

  /** conv2d(x, w) = w [O, K] · patches(x)[n]. */
  const convolution = (r: Rewriter, x: Var, w: Var, out: Var, p: Conv2dParams) => {
    const [n, o] = out.shape
    const k = w.shape[1] * w.shape[2] * w.shape[3]
    const wm = r.emit('broadcast', [view(r, w, [o, k])], { shape: [n, o, k] })
    r.emitInto(out, 'reshape', [product(r, wm, patches(r, x, w.shape, p))], { shape: out.shape })
  }

  /** conv2d_grad_filter(x, ct) = (Σₙ patches(x)[n] · ct[n]ᵀ)ᵀ, ct stored as [N, P, O]. */
  const filterGradient = (r: Rewriter, x: Var, ct: Var, out: Var, p: Conv2dParams) => {
    const [o] = out.shape
    const [n, , oh, ow] = ct.shape
    const ctT = r.emit('transpose', [view(r, ct, [n, o, oh * ow])], { perm: [0, 2, 1] })
    stored.set(ctT.id, TRANSPOSED)
    const perSample = product(r, patches(r, x, out.shape, p), ctT)
    const summed = r.emit('reduce_sum', [perSample], { axes: [0] })
    r.emitInto(out, 'reshape', [r.emit('transpose', [summed], { perm: [1, 0] })], { shape: out.shape })
  }

  /** conv2d_grad_input(ct, w) = col2im(wᵀ · ct[n]), col2im's phases put back in place by views. */
  const inputGradient = (r: Rewriter, ct: Var, w: Var, out: Var, p: Conv2dParams) => {
    const [n, c, h, wd] = out.shape
    const [o, , kh, kw] = w.shape
    const [, , oh, ow] = ct.shape
    const k = c * kh * kw
    const wT = r.emit('transpose', [view(r, w, [o, k])], { perm: [1, 0] })
    const wb = r.emit('broadcast', [wT], { shape: [n, k, o] })
    const cols = product(r, wb, view(r, ct, [n, o, oh * ow]))
    if (pointwise(kh, kw, p)) return r.emitInto(out, 'reshape', [cols], { shape: out.shape })
    const params = { kernel: [kh, kw], stride: p.stride, padding: p.padding, size: [h, wd] }
    const phases = r.emit('col2im', [view(r, cols, [n * k, oh, ow])], params)
    const planes = unphaseSteps(n * c, [h, wd], p.stride).reduce<Var>((v, [prim, q]) => r.emit(prim, [v], q), phases)
    r.emitInto(out, 'reshape', [planes], { shape: out.shape })
  }

  const { graph } = rewriteEach(g, (e, r) => {
    const p = e.params as unknown as Conv2dParams
    const [a, b] = e.inputs
    if (a?.kind !== 'var' || b?.kind !== 'var') return false
    if (e.prim === 'conv2d') convolution(r, a, b, e.outputs[0], p)
    else if (e.prim === 'conv2d_grad_filter') filterGradient(r, a, b, e.outputs[0], p)
    else if (e.prim === 'conv2d_grad_input') inputGradient(r, a, b, e.outputs[0], p)
    else return false
    return true
  })
  return { graph, stored, inline }
}
