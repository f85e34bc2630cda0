/**
 * Hand-written float64 references for the accepted corpus: plain loops over Float64Array,
 * independent of the compiler and the interpreter.
 */
export interface A {
  shape: number[]
  data: Float64Array
}

export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1)
export const strides = (shape: readonly number[]) => {
  const s = new Array<number>(shape.length)
  for (let i = shape.length - 1, acc = 1; i >= 0; i--) {
    s[i] = acc
    acc *= shape[i]
  }
  return s
}

export function make(shape: number[], f: (k: number) => number): A {
  const data = new Float64Array(size(shape))
  for (let k = 0; k < data.length; k++) data[k] = f(k)
  return { shape, data }
}

export const arr = (x: { shape: number[]; data: ArrayLike<number> }): A => ({
  shape: [...x.shape],
  data: Float64Array.from(x.data),
})
export const map1 = (a: A, f: (v: number, k: number) => number): A => make(a.shape, (k) => f(a.data[k], k))
export const map2 = (a: A, b: A, f: (x: number, y: number) => number): A => {
  if (a.data.length !== b.data.length) throw new Error('reference: map2 of different sizes')
  return make(a.shape, (k) => f(a.data[k], b.data[k]))
}
export const at = (a: A, ...idx: number[]) => {
  const s = strides(a.shape)
  let k = 0
  for (let i = 0; i < idx.length; i++) k += idx[i] * s[i]
  return a.data[k]
}

/** NumPy broadcast of `a` to `shape` (right-aligned). */
export function bcast(a: A, shape: number[]): A {
  const off = shape.length - a.shape.length
  const sa = strides(a.shape)
  const so = strides(shape)
  return make(shape, (k) => {
    let src = 0
    for (let i = 0; i < a.shape.length; i++) {
      const d = Math.floor(k / so[i + off]) % shape[i + off]
      if (a.shape[i] !== 1) src += d * sa[i]
    }
    return a.data[src]
  })
}

export function bshape(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length)
  return Array.from({ length: r }, (_, i) => {
    const x = a[a.length - r + i] ?? 1
    const y = b[b.length - r + i] ?? 1
    return x === 1 ? y : x
  })
}

/** Binary op with broadcasting. */
export function zip(a: A, b: A, f: (x: number, y: number) => number): A {
  const shape = bshape(a.shape, b.shape)
  return map2(bcast(a, shape), bcast(b, shape), f)
}

/** Reduce over `axes` with a combiner. */
export function reduceAxes(
  a: A,
  axes: number[],
  keep: boolean,
  init: number,
  f: (acc: number, v: number) => number,
): A {
  const ax = axes.map((x) => (x < 0 ? x + a.shape.length : x))
  const keptShape = a.shape.map((d, i) => (ax.includes(i) ? 1 : d))
  const out = new Float64Array(size(keptShape)).fill(init)
  const sa = strides(a.shape)
  const so = strides(keptShape)
  for (let k = 0; k < a.data.length; k++) {
    let t = 0
    for (let i = 0; i < a.shape.length; i++) if (!ax.includes(i)) t += (Math.floor(k / sa[i]) % a.shape[i]) * so[i]
    out[t] = f(out[t], a.data[k])
  }
  return { shape: keep ? keptShape : a.shape.filter((_, i) => !ax.includes(i)), data: out }
}

export const allAxes = (a: A) => a.shape.map((_, i) => i)
export const sumR = (a: A, axes = allAxes(a), keep = false) => reduceAxes(a, axes, keep, 0, (s, v) => s + v)
export const maxR = (a: A, axes = allAxes(a), keep = false) => reduceAxes(a, axes, keep, -Infinity, Math.max)
export const minR = (a: A, axes = allAxes(a), keep = false) => reduceAxes(a, axes, keep, Infinity, Math.min)
export const meanR = (a: A, axes = allAxes(a), keep = false) => {
  const n = axes.reduce((p, x) => p * a.shape[x < 0 ? x + a.shape.length : x], 1)
  return map1(sumR(a, axes, keep), (v) => v / n)
}

/** log Σ exp over axes, computed stably around the maximum. */
export function lseR(a: A, axes = allAxes(a), keep = false): A {
  const m = maxR(a, axes, true)
  const s = sumR(
    zip(a, m, (x, mx) => Math.exp(x - mx)),
    axes,
    true,
  )
  const r = zip(s, m, (v, mx) => Math.log(v) + mx)
  return keep
    ? r
    : { shape: a.shape.filter((_, i) => !axes.map((x) => (x < 0 ? x + a.shape.length : x)).includes(i)), data: r.data }
}

export function softmaxR(a: A, axis: number): A {
  const m = maxR(a, [axis], true)
  const e = zip(a, m, (x, mx) => Math.exp(x - mx))
  return zip(e, sumR(e, [axis], true), (x, s) => x / s)
}
export const logSoftmaxR = (a: A, axis: number): A => zip(a, lseR(a, [axis], true), (x, l) => x - l)

/** [n,k] @ [k,m] */
export function matmul(a: A, b: A): A {
  const [n, k] = a.shape
  const [k2, m] = b.shape
  if (k !== k2) throw new Error('reference: matmul shapes')
  const out = new Float64Array(n * m)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0
      for (let p = 0; p < k; p++) s += a.data[i * k + p] * b.data[p * m + j]
      out[i * m + j] = s
    }
  return { shape: [n, m], data: out }
}

export function transpose2(a: A): A {
  const [n, m] = a.shape
  return make([m, n], (k) => a.data[(k % n) * m + Math.floor(k / n)])
}

/** Generic axis permutation: out axis i is input axis perm[i]. */
export function permute(a: A, perm: number[]): A {
  const shape = perm.map((p) => a.shape[p])
  const sa = strides(a.shape)
  const so = strides(shape)
  return make(shape, (k) => {
    let src = 0
    for (let i = 0; i < shape.length; i++) src += (Math.floor(k / so[i]) % shape[i]) * sa[perm[i]]
    return a.data[src]
  })
}

/** Rows [i0, i1) and columns [j0, j1) of a matrix. */
export function block(a: A, i0: number, i1: number, j0: number, j1: number): A {
  const m = a.shape[1]
  return make([i1 - i0, j1 - j0], (k) => a.data[(i0 + Math.floor(k / (j1 - j0))) * m + j0 + (k % (j1 - j0))])
}

export function cdistR(x: A, y: A, squared = false, eps = 1e-8): A {
  const [n, d] = x.shape
  const m = y.shape[0]
  return make([n, m], (k) => {
    const i = Math.floor(k / m)
    const j = k % m
    let s = 0
    for (let c = 0; c < d; c++) s += (x.data[i * d + c] - y.data[j * d + c]) ** 2
    return squared ? s : Math.sqrt(s + eps)
  })
}

export const reshapeR = (a: A, shape: number[]): A => ({ shape, data: a.data })

/** x [N,C,H,W] ⋆ w [O,C,KH,KW] with zero padding. */
export function conv2dR(x: A, w: A, stride: [number, number], pad: [number, number]): A {
  const [n, c, h, wd] = x.shape
  const [o, , kh, kw] = w.shape
  const oh = Math.floor((h + 2 * pad[0] - kh) / stride[0]) + 1
  const ow = Math.floor((wd + 2 * pad[1] - kw) / stride[1]) + 1
  const out = new Float64Array(n * o * oh * ow)
  for (let b = 0; b < n; b++)
    for (let f = 0; f < o; f++)
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          let s = 0
          for (let ch = 0; ch < c; ch++)
            for (let dy = 0; dy < kh; dy++)
              for (let dz = 0; dz < kw; dz++) {
                const iy = y * stride[0] + dy - pad[0]
                const iz = z * stride[1] + dz - pad[1]
                if (iy < 0 || iy >= h || iz < 0 || iz >= wd) continue
                s += at(x, b, ch, iy, iz) * at(w, f, ch, dy, dz)
              }
          out[((b * o + f) * oh + y) * ow + z] = s
        }
  return { shape: [n, o, oh, ow], data: out }
}

/**
 * The documented counter-based generator (compiler/ir/prims/random.ts), written out again:
 * lowbias32 mixing, bits(key, k) = mix(mix(k) ^ mix(key)), 24-bit uniforms, Box–Muller normals.
 */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0
  x = Math.imul(x, 0x7feb352d) >>> 0
  x = (x ^ (x >>> 15)) >>> 0
  x = Math.imul(x, 0x846ca68b) >>> 0
  return (x ^ (x >>> 16)) | 0
}
export const bitsAt = (key: number, k: number) => hash32(hash32(k) ^ hash32(key))
export const foldInR = (key: number, d: number) => hash32(key ^ hash32((d + 0x9e3779b9) | 0))
export const uniformR = (key: number, k: number) => (bitsAt(key, k) >>> 8) / 16777216
export const normalR = (key: number, k: number) => {
  const u1 = ((bitsAt(key, 2 * k) >>> 8) + 0.5) / 16777216
  const u2 = uniformR(key, 2 * k + 1)
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}
