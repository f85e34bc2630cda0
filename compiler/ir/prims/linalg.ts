/** Contractions: batched matmul, pairwise distances (cdist) and 2-D convolution. */
import type { AVal, Eqn, Var } from '../types.js'
import { alloc, type NDArray, type Precision } from '../ndarray.js'
import { ShapeError, sameShape, showShape, sizeOf } from '../shape.js'
import { definePrimitive, expectDType } from '../primitive.js'
import { transposeLast2 } from '../vjpHelpers.js'
import { and, bin, elem, lt, sumLoop, sumWhere, un, type ElementEnv } from '../../kernel/element.js'
import { add, idiv, imod, mulN, num, sub, unflatten } from '../../kernel/build.js'
import type { KExpr } from '../../kernel/types.js'

declare module '../types.js' {
  interface PrimParams {
    matmul: NoParams
    cdist: CdistParams
    conv2d: Conv2dParams
    conv2d_grad_input: Conv2dParams & { inShape: number[] }
    conv2d_grad_filter: Conv2dParams & { wShape: number[] }
  }
}

const batchOf = (s: number[]) => s.slice(0, -2)

function checkBatch(name: string, a: AVal, b: AVal): number[] {
  if (a.shape.length < 2 || b.shape.length < 2)
    throw new ShapeError(
      `${name} needs operands of rank ≥ 2, got ${showShape(a.shape)} and ${showShape(b.shape)}`,
      'reshape vectors to [1, n] or [n, 1]',
    )
  if (!sameShape(batchOf(a.shape), batchOf(b.shape)))
    throw new ShapeError(
      `${name}: batch dimensions ${showShape(batchOf(a.shape))} and ${showShape(batchOf(b.shape))} differ`,
      'broadcast the batch dimensions to one shape',
    )
  return batchOf(a.shape)
}

definePrimitive({
  name: 'matmul',
  arity: 2,
  params: {},
  fusion: 'loop',
  terms: ([a]) => a.shape[a.shape.length - 1],
  element: (env, e, idx) => {
    const [a, b] = e.inputs as Var[]
    const k = a.shape[a.shape.length - 1]
    const batch = idx.slice(0, -2)
    const [i, j] = idx.slice(-2)
    return sumLoop(env.b, k, (kk) => bin('mul', elem(env, a, [...batch, i, kk]), elem(env, b, [...batch, kk, j])))
  },
  infer: ([a, b]) => {
    const batch = checkBatch('matmul', a, b)
    const [m, k] = a.shape.slice(-2)
    const [k2, n] = b.shape.slice(-2)
    if (k !== k2)
      throw new ShapeError(
        `matmul of ${showShape(a.shape)} and ${showShape(b.shape)}: inner dimensions ${k} and ${k2} differ`,
        'transpose an operand (x.T, a property: no parentheses) or check which axis holds the features',
      )
    expectDType('matmul', a, ['f32'])
    expectDType('matmul', b, ['f32'])
    return [{ shape: [...batch, m, n], dtype: 'f32' }]
  },
  evaluate: ([a, b], _p, precision) => {
    const [m, k] = a.shape.slice(-2)
    const n = b.shape[b.shape.length - 1]
    const batch = sizeOf(batchOf(a.shape))
    const out = alloc([...batchOf(a.shape), m, n], 'f32', precision)
    const row = new Float64Array(n)
    for (let t = 0; t < batch; t++)
      for (let i = 0; i < m; i++) {
        row.fill(0)
        for (let p = 0; p < k; p++) {
          const av = a.data[t * m * k + i * k + p]
          const bo = t * k * n + p * n
          for (let j = 0; j < n; j++) row[j] += av * b.data[bo + j]
        }
        out.data.set(row, t * m * n + i * n)
      }
    return [out]
  },
  // ct_a = ct · bᵀ, ct_b = aᵀ · ct: matmuls of the operands' own sizes.
  vjp: (ctx, e, [ct]) => {
    const [a, b] = e.inputs
    if (!ct) return [undefined, undefined]
    return [ctx.emit('matmul', [ct, transposeLast2(ctx, b)]), ctx.emit('matmul', [transposeLast2(ctx, a), ct])]
  },
})

export interface CdistParams {
  squared: boolean
  eps: number
}

definePrimitive({
  name: 'cdist',
  arity: 2,
  params: { squared: 'boolean', eps: 'number' },
  fusion: 'loop',
  // eps only enters the square root: a squared distance does not use it
  printParams: (p) => (p.squared ? 'squared=true' : `squared=false, eps=${p.eps}`),
  terms: ([a]) => a.shape[a.shape.length - 1],
  element: (env, e, idx) => {
    const [x, y] = e.inputs as Var[]
    const d = x.shape[x.shape.length - 1]
    const batch = idx.slice(0, -2)
    const [i, j] = idx.slice(-2)
    const s = sumLoop(env.b, d, (c) => {
      const t = env.b.bind(sub(elem(env, x, [...batch, i, c]), elem(env, y, [...batch, j, c])))
      return bin('mul', t, t)
    })
    return e.params.squared ? s : un('sqrt', add(s, num(e.params.eps)))
  },
  infer: ([a, b]) => {
    const batch = checkBatch('cdist', a, b)
    const d1 = a.shape[a.shape.length - 1]
    const d2 = b.shape[b.shape.length - 1]
    if (d1 !== d2)
      throw new ShapeError(
        `cdist of ${showShape(a.shape)} and ${showShape(b.shape)}: point dimensions ${d1} and ${d2} differ`,
        'points are rows: both operands need the same number of columns',
      )
    return [{ shape: [...batch, a.shape[a.shape.length - 2], b.shape[b.shape.length - 2]], dtype: 'f32' }]
  },
  evaluate: ([a, b], p, precision) => {
    const [n, d] = a.shape.slice(-2)
    const m = b.shape[b.shape.length - 2]
    const batch = sizeOf(batchOf(a.shape))
    const out = alloc([...batchOf(a.shape), n, m], 'f32', precision)
    for (let t = 0; t < batch; t++)
      for (let i = 0; i < n; i++)
        for (let j = 0; j < m; j++) {
          let s = 0
          for (let c = 0; c < d; c++) {
            const diff = a.data[t * n * d + i * d + c] - b.data[t * m * d + j * d + c]
            s += diff * diff
          }
          out.data[t * n * m + i * m + j] = p.squared ? s : Math.sqrt(s + p.eps)
        }
    return [out]
  },
  /**
   * With G = ∂L/∂s (s = ‖xᵢ − yⱼ‖²): G = 2·ct when squared, ct / d otherwise (d ≥ √eps keeps it finite).
   * ct_x = rowsum(G)·x − G·y and ct_y = colsum(G)·y − Gᵀ·x: no N×M×D intermediate.
   */
  vjp: (ctx, e, [ct]) => {
    if (!ct) return [undefined, undefined]
    const [x, y] = e.inputs
    const r = e.outputs[0].shape.length
    const g = e.params.squared
      ? ctx.emit('mul', [ct, { kind: 'lit', value: 2, dtype: 'f32' }])
      : ctx.emit('div', [ct, e.outputs[0]])
    const side = (p: typeof x, axis: number, gFor: typeof x, other: typeof x) => {
      const mass = ctx.emit('reduce_sum', [g], { axes: [axis] })
      const shape = (p as { shape: number[] }).shape
      const m = ctx.emit('broadcast', [ctx.emit('reshape', [mass], { shape: [...shape.slice(0, -1), 1] })], { shape })
      return ctx.emit('sub', [ctx.emit('mul', [m, p]), ctx.emit('matmul', [gFor, other])])
    }
    return [side(x, r - 1, g, y), side(y, r - 2, transposeLast2(ctx, g), x)]
  },
})

/** Why a convolution is stored: recomputed inside a reader's loop, a whole convolution would run per element. */
const CONVOLUTION = 'a convolution: stored, never recomputed inside the loop of a reader'

export interface Conv2dParams {
  stride: [number, number]
  padding: [number, number]
}

export function conv2dShape(x: number[], w: number[], p: Conv2dParams): number[] {
  const [n, c, h, wd] = x
  const [o, c2, kh, kw] = w
  if (x.length !== 4 || w.length !== 4)
    throw new ShapeError(
      `conv2d takes x [N,C,H,W] and w [O,C,KH,KW], got ${showShape(x)} and ${showShape(w)}`,
      'reshape to NCHW and OIHW layouts',
    )
  if (c !== c2)
    throw new ShapeError(
      `conv2d: input has ${c} channels but the filter expects ${c2}`,
      "match the filter's second axis to the input channels",
    )
  const oh = Math.floor((h + 2 * p.padding[0] - kh) / p.stride[0]) + 1
  const ow = Math.floor((wd + 2 * p.padding[1] - kw) / p.stride[1]) + 1
  if (oh <= 0 || ow <= 0)
    throw new ShapeError(
      `conv2d: a ${kh}x${kw} filter does not fit a ${h}x${wd} input`,
      'add padding or use a smaller filter',
    )
  return [n, o, oh, ow]
}

definePrimitive<'conv2d'>({
  name: 'conv2d',
  arity: 2,
  params: { stride: 'pair', padding: 'pair' },
  fusion: 'loop',
  alwaysStored: CONVOLUTION,
  // x [N,C,H,W], w [O,C,KH,KW]: C·KH·KW taps
  terms: ([, w]) => w.shape[1] * w.shape[2] * w.shape[3],
  element: conv,
  infer: ([x, w], p) => [{ shape: conv2dShape(x.shape, w.shape, p), dtype: 'f32' }],
  evaluate: ([x, w], p, precision): NDArray[] => [
    accumulate(
      conv2dShape(x.shape, w.shape, p),
      x.shape,
      w.shape,
      p,
      precision,
      (acc, o, i, k) => (acc[o] += x.data[i] * w.data[k]),
    ),
  ],
  printParams: (p) => `stride=${showShape(p.stride)}, padding=${showShape(p.padding)}`,
  vjp: (ctx, e, [ct]) => {
    if (!ct) return [undefined, undefined]
    const [x, w] = e.inputs as [{ shape: number[] } & (typeof e.inputs)[0], { shape: number[] } & (typeof e.inputs)[1]]
    const p = convParams(e.params)
    return [
      ctx.emit('conv2d_grad_input', [ct, w], { ...p, inShape: x.shape }),
      ctx.emit('conv2d_grad_filter', [x, ct], { ...p, wShape: w.shape }),
    ]
  },
})

/** Visit every (output, input, filter) index triple of a convolution. */
function forEachTap(x: number[], w: number[], p: Conv2dParams, f: (o: number, i: number, k: number) => void) {
  const [n, o, oh, ow] = conv2dShape(x, w, p)
  const [, c, h, wd] = x
  const [, , kh, kw] = w
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++)
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++)
          for (let ic = 0; ic < c; ic++)
            for (let dy = 0; dy < kh; dy++) {
              const iy = y * p.stride[0] - p.padding[0] + dy
              if (iy < 0 || iy >= h) continue
              for (let dx = 0; dx < kw; dx++) {
                const ix = xx * p.stride[1] - p.padding[1] + dx
                if (ix < 0 || ix >= wd) continue
                f(
                  ((b * o + oc) * oh + y) * ow + xx,
                  ((b * c + ic) * h + iy) * wd + ix,
                  ((oc * c + ic) * kh + dy) * kw + dx,
                )
              }
            }
}

/** One pass over the taps of a convolution, accumulating (in float64) into a new array of `shape`. */
function accumulate(
  shape: number[],
  x: number[],
  w: number[],
  p: Conv2dParams,
  precision: Precision,
  add: (acc: Float64Array, o: number, i: number, k: number) => void,
): NDArray {
  const acc = new Float64Array(sizeOf(shape))
  forEachTap(x, w, p, (o, i, k) => add(acc, o, i, k))
  const out = alloc(shape, 'f32', precision)
  out.data.set(acc)
  return out
}

const convParams = (p: Conv2dParams): Record<string, unknown> & Conv2dParams => ({
  stride: p.stride,
  padding: p.padding,
})

/** The transpose of conv2d in its input: ct [N,O,OH,OW], w → [N,C,H,W]. Linear in both operands. */
definePrimitive<'conv2d_grad_input'>({
  name: 'conv2d_grad_input',
  arity: 2,
  params: { stride: 'pair', padding: 'pair', inShape: 'shape' },
  fusion: 'loop',
  alwaysStored: CONVOLUTION,
  // ct [N,O,OH,OW], w [O,C,KH,KW]: at most O·KH·KW taps per input element
  terms: ([, w]) => w.shape[0] * w.shape[2] * w.shape[3],
  element: convGradInput,
  infer: (_i, p) => [{ shape: p.inShape, dtype: 'f32' }],
  evaluate: ([ct, w], p, precision) => [
    accumulate(p.inShape, p.inShape, w.shape, p, precision, (acc, o, i, k) => (acc[i] += ct.data[o] * w.data[k])),
  ],
  printParams: (p) => `stride=${showShape(p.stride)}, padding=${showShape(p.padding)}, inShape=${showShape(p.inShape)}`,
  vjp: (ctx, e, [g]) => {
    if (!g) return [undefined, undefined]
    const [ct, w] = e.inputs
    const p = convParams(e.params)
    return [
      ctx.emit('conv2d', [g, w], p),
      ctx.emit('conv2d_grad_filter', [g, ct], { ...p, wShape: (w as { shape: number[] }).shape }),
    ]
  },
})

/** The transpose of conv2d in its filter: x, ct [N,O,OH,OW] → [O,C,KH,KW]. Linear in both operands. */
definePrimitive<'conv2d_grad_filter'>({
  name: 'conv2d_grad_filter',
  arity: 2,
  params: { stride: 'pair', padding: 'pair', wShape: 'shape' },
  fusion: 'loop',
  alwaysStored: CONVOLUTION,
  // x, ct [N,O,OH,OW]: N·OH·OW taps per filter weight
  terms: ([, ct]) => ct.shape[0] * ct.shape[2] * ct.shape[3],
  element: convGradFilter,
  infer: (_i, p) => [{ shape: p.wShape, dtype: 'f32' }],
  evaluate: ([x, ct], p, precision) => [
    accumulate(p.wShape, x.shape, p.wShape, p, precision, (acc, o, i, k) => (acc[k] += ct.data[o] * x.data[i])),
  ],
  printParams: (p) => `stride=${showShape(p.stride)}, padding=${showShape(p.padding)}, wShape=${showShape(p.wShape)}`,
  vjp: (ctx, e, [g]) => {
    if (!g) return [undefined, undefined]
    const [x, ct] = e.inputs
    const p = convParams(e.params)
    return [
      ctx.emit('conv2d_grad_input', [ct, g], { ...p, inShape: (x as { shape: number[] }).shape }),
      ctx.emit('conv2d', [x, g], p),
    ]
  },
})

/** The input position a tap (dy, dx) of output position (y, x) reads, and whether it lies inside the h × w input. */
function tapPosition(
  env: ElementEnv,
  p: Conv2dParams,
  [y, x]: KExpr[],
  [dy, dx]: KExpr[],
  [h, w]: number[],
): { iy: KExpr; ix: KExpr; inside: KExpr } {
  const iy = env.b.bind(add(mulN(y, p.stride[0]), sub(dy, num(p.padding[0]))))
  const ix = env.b.bind(add(mulN(x, p.stride[1]), sub(dx, num(p.padding[1]))))
  const inside = and(and(bin('ge', iy, num(0)), lt(iy, num(h))), and(bin('ge', ix, num(0)), lt(ix, num(w))))
  return { iy, ix, inside }
}

/** A convolution output element: Σ over input channels and taps inside the (padded) input. */
function conv(env: ElementEnv, e: Eqn & { params: Conv2dParams }, idx: KExpr[]): KExpr {
  const [x, w] = e.inputs as Var[]
  const [, c, h, wd] = x.shape
  const [, , kh, kw] = w.shape
  const [n, o, y, xx] = idx
  return sumWhere(env.b, c * kh * kw, (t) => {
    const [ic, dy, dx] = unflatten(t, [c, kh, kw])
    const { iy, ix, inside } = tapPosition(env, e.params, [y, xx], [dy, dx], [h, wd])
    return { when: inside, value: () => bin('mul', elem(env, x, [n, ic, iy, ix]), elem(env, w, [o, ic, dy, dx])) }
  })
}

/** ∂/∂x of a convolution: x[b, ic, iy, ix] gathers ct[b, oc, y, x] · w[oc, ic, dy, dx] over taps that hit it. */
function convGradInput(env: ElementEnv, e: Eqn & { params: Conv2dParams }, idx: KExpr[]): KExpr {
  const { b } = env
  const [ct, w] = e.inputs as Var[]
  const [, o, oh, ow] = ct.shape
  const [, , kh, kw] = w.shape
  const { stride, padding } = e.params
  const [n, ic, iy, ix] = idx
  return sumWhere(b, o * kh * kw, (t) => {
    const [oc, dy, dx] = unflatten(t, [o, kh, kw])
    const ny = b.bind(sub(add(iy, num(padding[0])), dy))
    const nx = b.bind(sub(add(ix, num(padding[1])), dx))
    const y = idiv(ny, stride[0])
    const x = idiv(nx, stride[1])
    const hits = and(
      and(and(bin('ge', ny, num(0)), lt(ny, num(oh * stride[0]))), bin('eq', imod(ny, stride[0]), num(0))),
      and(and(bin('ge', nx, num(0)), lt(nx, num(ow * stride[1]))), bin('eq', imod(nx, stride[1]), num(0))),
    )
    return { when: hits, value: () => bin('mul', elem(env, ct, [n, oc, y, x]), elem(env, w, [oc, ic, dy, dx])) }
  })
}

/** ∂/∂w of a convolution: w[oc, ic, dy, dx] = Σ over batch and output positions of ct · x. */
function convGradFilter(env: ElementEnv, e: Eqn & { params: Conv2dParams }, idx: KExpr[]): KExpr {
  const [x, ct] = e.inputs as Var[]
  const [, , h, wd] = x.shape
  const [nb, , oh, ow] = ct.shape
  const [oc, ic, dy, dx] = idx
  return sumWhere(env.b, nb * oh * ow, (t) => {
    const [n, y, xx] = unflatten(t, [nb, oh, ow])
    const { iy, ix, inside } = tapPosition(env, e.params, [y, xx], [dy, dx], [h, wd])
    return { when: inside, value: () => bin('mul', elem(env, ct, [n, oc, y, xx]), elem(env, x, [n, ic, iy, ix])) }
  })
}
