/** Pytree parameters and results: nested objects and arrays of tensors. */
import { dsl, stopGradient, type Mat, type Vec, type f32 } from '../../../dsl/index.js'

export interface Mlp {
  w1: Mat
  b1: Vec
  w2: Mat
  b2: Vec
}

export const mlp = dsl((p: Mlp, x: Mat) => {
  const hidden = x.matmul(p.w1).add(p.b1).maximum(0)
  return { out: hidden.matmul(p.w2).add(p.b2), hidden }
})

/** One SGD step on every leaf; destructuring with defaults and rest, object spread. */
export const sgdStep = dsl((p: Mlp, g: Mlp, lr: f32) => {
  const { w1, b1, ...rest } = p
  const step = (w: Mat | Vec, d: Mat | Vec) => w.sub(d.mul(lr))
  const next = { ...p, w1: step(w1, g.w1), b1: step(b1, g.b1) }
  return { ...next, w2: step(rest.w2, g.w2), b2: step(rest.b2, g.b2) }
})

type Layer = { w: Mat; b: Vec }

export const deepNet = dsl((net: { layers: Layer[]; scale: f32 }, x: Mat) => {
  const { layers, scale } = net
  let h = x
  for (const { w, b } of layers) h = h.matmul(w).add(b).tanh()
  const [first, ...rest] = layers
  const frozen = stopGradient({ w: first.w, bs: rest.map((l) => l.b) })
  return [
    h.mul(scale),
    { firstNorm: frozen.w.square().sum(), lastBias: frozen.bs[frozen.bs.length - 1].stopGradient() },
  ]
})
