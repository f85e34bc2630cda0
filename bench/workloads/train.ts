/**
 * Workload 4: one toy training step (stdlib/toy2d/step.ts `trainStep`): generator MLP 32→256×3→2
 * with SiLU, x = f(noise); loss = mean‖x − sg(x + V(x; data, x, τ = 0.05))‖² with paperField;
 * gradient through the generator; Adam (β = 0.9, 0.999, ε = 1e-8, lr = 1e-3). Batch B noise rows,
 * B data points. Initial parameters: initMlp(key 0, [32, 256, 256, 256, 2], 'he', zero output layer)
 * and adamInit (drift, first backend) for everyone.
 *
 * Checked outputs after one step (from a He-initialized output layer instead, so that every
 * gradient is nonzero): the loss and Adam's first moment m = (1 − β₁)·g of every parameter (the updated parameters themselves are left out: Adam's first step is
 * lr·g/(|g| + ε), a sign that is arbitrary where g ≈ 0).
 */
import type * as TF from '@tensorflow/tfjs'
import type * as JAX from '@jax-js/jax'
import { randomKey, setBackend, Tensor } from '../../dsl/index.js'
import { paperField } from '../../stdlib/fields/paper.js'
import { trainStep } from '../../stdlib/toy2d/step.js'
import { initMlp } from '../../stdlib/nn/init.js'
import { adamInit, type AdamState } from '../../stdlib/optim/adam.js'
import type { LinearParams } from '../../stdlib/nn/linear.js'
import { driftImpls, gauss, type Case, type Impl, type Outputs, type Workload } from '../harness.js'
import { jax, JAXJS, peer, PLAIN, TFJS, tfjs } from '../peers.js'
import { fieldFlops, jaxField, jsField, tfField } from './field-impls.js'

type JArray = JAX.Array
const SIZES = [32, 256, 256, 256, 2]
const TAU = 0.05
const LR = 1e-3
const [B1, B2, EPS] = [0.9, 0.999, 1e-8]

const macs = SIZES.slice(1).reduce((s, out, i) => s + SIZES[i] * out, 0)
const at = (b: number): Case => ({ size: { batch: b }, flops: 6 * b * macs + fieldFlops(b, b, b, 2) })

/** Host copies of the initial parameters, [w, b] per layer as Float32Arrays. */
interface HostLayer {
  w: Float32Array
  b: Float32Array
  in: number
  out: number
}
const initial = new Map<boolean, Promise<HostLayer[]>>()
/** initMlp run once per process on drift's first backend (counter-based keys: the same values on every backend). */
function initialParams(backend: string, zeroOutput: boolean): Promise<HostLayer[]> {
  let p = initial.get(zeroOutput)
  if (!p)
    initial.set(
      zeroOutput,
      (p = (async () => {
        setBackend(backend)
        const ps = await initMlp.run(randomKey(0), SIZES, 'he', zeroOutput)
        return ps.map((q, i) => ({
          w: Float32Array.from(q.w.data),
          b: Float32Array.from(q.b.data),
          in: SIZES[i],
          out: SIZES[i + 1],
        }))
      })()),
    )
  return p
}

/** m after a first step is (1 − β₁)·g. */
const firstMoment = (g: ArrayLike<number>) => Float32Array.from(g, (v) => (1 - B1) * v)

// ---- tfjs: resident variables, tf.variableGrads, tf.train.adam; stop-gradient via customGrad ----
let tfNames = 0
function tfStep(
  tf: typeof TF,
  init: HostLayer[],
  noise: Float32Array,
  data: Float32Array,
  batch: number,
): () => Promise<Outputs> {
  const vars = init.map((p) => ({
    w: tf.variable(tf.tensor2d(p.w, [p.in, p.out]), true, `bench_w${tfNames++}`),
    b: tf.variable(tf.tensor1d(p.b), true, `bench_b${tfNames++}`),
  }))
  const varList = vars.flatMap((v) => [v.w, v.b])
  const opt = tf.train.adam(LR, B1, B2, EPS)
  // target = sg(x + V(x)): the field runs forward only, its gradient is zero
  const target = tf.customGrad((...args: (TF.Tensor | TF.GradSaveFunc)[]) => {
    const [x, d] = args as TF.Tensor2D[]
    return { value: x.add(tfField(tf, x, d, x, TAU)), gradFunc: (dy: TF.Tensor) => [tf.zerosLike(dy), tf.zerosLike(d)] }
  })
  return async () => {
    const [tn, td] = [tf.tensor2d(noise, [batch, SIZES[0]]), tf.tensor2d(data, [batch, 2])]
    const { value, grads } = tf.variableGrads(() => {
      let h: TF.Tensor = tn
      vars.forEach((v, i) => {
        h = tf.matMul(h as TF.Tensor2D, v.w).add(v.b)
        if (i < vars.length - 1) h = h.mul(tf.sigmoid(h))
      })
      return h.sub(target(h, td)).square().mean() as TF.Scalar
    }, varList)
    const g = await Promise.all(varList.map((v) => grads[v.name].data()))
    opt.applyGradients(varList.map((v) => ({ name: v.name, tensor: grads[v.name] })))
    const loss = (await value.data()) as Float32Array
    await Promise.all(varList.map((v) => v.data())) // the updated parameters, to the host
    tf.dispose([tn, td, value, ...Object.values(grads)])
    return [loss, ...g.map(firstMoment)]
  }
}

// ---- jax-js: jit(valueAndGrad) and a hand-written Adam in one jitted step; state resident ----
function jaxStep(
  jx: typeof JAX,
  init: HostLayer[],
  noise: Float32Array,
  data: Float32Array,
  batch: number,
): () => Promise<Outputs> {
  const { numpy: np, nn, lax, tree } = jx
  type P = { w: JArray; b: JArray }[]
  const lossFn = (params: P, z: JArray, d: JArray) => {
    let h = z
    params.forEach((p, i) => {
      h = np.matmul(h, p.w).add(p.b)
      if (i < params.length - 1) h = nn.silu(h)
    })
    const target = lax.stopGradient(h.ref.add(jaxField(jx, h.ref, d, h.ref, TAU)))
    return np.square(h.sub(target)).mean()
  }
  const step = jx.jit((params: P, m: P, v: P, z: JArray, d: JArray, c: JArray) => {
    const [loss, g] = jx.valueAndGrad(lossFn)(tree.ref(params), z, d) as [JArray, P]
    const m2 = tree.map((a: JArray, b: JArray) => a.mul(B1).add(b.mul(1 - B1)), m, tree.ref(g)) as P
    const v2 = tree.map((a: JArray, b: JArray) => a.mul(B2).add(np.square(b).mul(1 - B2)), v, g) as P
    const [c1, c2] = [c.ref.slice(0), c.slice(1)] // 1 − β₁ᵗ, 1 − β₂ᵗ
    const p2 = tree.map(
      (p: JArray, a: JArray, b: JArray) =>
        p.sub(
          a
            .div(c1.ref)
            .div(np.sqrt(b.div(c2.ref)).add(EPS))
            .mul(LR),
        ),
      params,
      tree.ref(m2),
      tree.ref(v2),
    ) as P
    c1.dispose()
    c2.dispose()
    return [loss, p2, m2, v2]
  })
  let params: P = init.map((p) => ({ w: np.array(p.w).reshape([p.in, p.out]), b: np.array(p.b) }))
  let m: P = init.map((p) => ({ w: np.zeros([p.in, p.out]), b: np.zeros([p.out]) }))
  let v: P = init.map((p) => ({ w: np.zeros([p.in, p.out]), b: np.zeros([p.out]) }))
  let t = 0
  return async () => {
    t++
    const c = np.array(Float32Array.of(1 - B1 ** t, 1 - B2 ** t))
    const [loss, p2, m2, v2] = step(
      params,
      m,
      v,
      np.array(noise).reshape([batch, SIZES[0]]),
      np.array(data).reshape([batch, 2]),
      c,
    ) as [JArray, P, P, P]
    ;[params, m, v] = [p2, m2, v2]
    const out: Outputs = [(await loss.data()) as Float32Array]
    for (const p of params) await Promise.all([p.w.ref.data(), p.b.ref.data()]) // the updated parameters, to the host
    for (const p of m) out.push((await p.w.ref.data()) as Float32Array, (await p.b.ref.data()) as Float32Array)
    return out
  }
}

// ---- plain JS: forward, backward and Adam over Float32Arrays ----
/** C[r×c] = A[r×k]·B[k×c] (tA: A stored k×r; tB: B stored c×k). */
function mm(a: Float32Array, b: Float32Array, r: number, k: number, c: number, tA = false, tB = false): Float32Array {
  const out = new Float32Array(r * c)
  for (let i = 0; i < r; i++)
    for (let q = 0; q < k; q++) {
      const av = tA ? a[q * r + i] : a[i * k + q]
      const o = i * c
      if (tB) for (let j = 0; j < c; j++) out[o + j] += av * b[j * k + q]
      else for (let j = 0, bo = q * c; j < c; j++) out[o + j] += av * b[bo + j]
    }
  return out
}
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))

function jsStep(init: HostLayer[], noise: Float32Array, data: Float32Array, batch: number): () => Promise<Outputs> {
  const params = init.map((p) => ({ ...p, w: Float32Array.from(p.w), b: Float32Array.from(p.b) }))
  const m = init.map((p) => ({ w: new Float32Array(p.w.length), b: new Float32Array(p.b.length) }))
  const v = init.map((p) => ({ w: new Float32Array(p.w.length), b: new Float32Array(p.b.length) }))
  let t = 0
  return async () => {
    // forward: z_l = h_l·W_l + b_l, h_{l+1} = silu(z_l), x = z_last
    const hs = [noise]
    const zs: Float32Array[] = []
    params.forEach((p, l) => {
      const z = mm(hs[l], p.w, batch, p.in, p.out)
      for (let i = 0; i < batch; i++) for (let j = 0; j < p.out; j++) z[i * p.out + j] += p.b[j]
      zs.push(z)
      if (l < params.length - 1) hs.push(z.map((x) => x * sigmoid(x)))
    })
    const x = zs[zs.length - 1]
    const V = jsField(x, data, x, batch, batch, batch, 2, TAU)
    let loss = 0
    for (const e of V) loss += e * e
    loss /= V.length
    // backward: ∂loss/∂x = 2(x − sg(x + V))/(2B) = −V/B
    let gz = V.map((e) => -e / batch)
    const grads: { w: Float32Array; b: Float32Array }[] = []
    for (let l = params.length - 1; l >= 0; l--) {
      const p = params[l]
      const gb = new Float32Array(p.out)
      for (let i = 0; i < batch; i++) for (let j = 0; j < p.out; j++) gb[j] += gz[i * p.out + j]
      grads[l] = { w: mm(hs[l], gz, p.in, batch, p.out, true), b: gb }
      if (l > 0) {
        const gh = mm(gz, p.w, batch, p.out, p.in, false, true)
        const z = zs[l - 1]
        gz = gh.map((g, e) => {
          const s = sigmoid(z[e])
          return g * s * (1 + z[e] * (1 - s))
        })
      }
    }
    // Adam
    t++
    const [c1, c2] = [1 - B1 ** t, 1 - B2 ** t]
    params.forEach((p, l) => {
      for (const k of ['w', 'b'] as const) {
        const [pk, mk, vk, gk] = [p[k], m[l][k], v[l][k], grads[l][k]]
        for (let e = 0; e < pk.length; e++) {
          mk[e] = B1 * mk[e] + (1 - B1) * gk[e]
          vk[e] = B2 * vk[e] + (1 - B2) * gk[e] * gk[e]
          pk[e] -= (LR * (mk[e] / c1)) / (Math.sqrt(vk[e] / c2) + EPS)
        }
      }
    })
    return [Float32Array.of(loss), ...m.flatMap((l) => [Float32Array.from(l.w), Float32Array.from(l.b)])]
  }
}

export const train: Workload = {
  name: 'train',
  title: 'toy training step: MLP 32→256×3→2 (SiLU), paperField τ = 0.05, grad through the generator, Adam',
  what:
    'stdlib/toy2d/step.ts `trainStep` (params and Adam state in, loss, params and state out, every call from the same initial state). ' +
    'tfjs: resident tf.variables, tf.variableGrads, tf.train.adam, the field under tf.customGrad as stop-gradient; jax-js: one jit(valueAndGrad + Adam) step with resident state; ' +
    'plain JS: hand-written forward/backward/Adam with the streaming field. The peers read back the loss, the updated parameters and the gradients every step.',
  flopsRule:
    '6·B·Σ(in·out) for the MLP forward and backward + the field at N = P = M = B, D = 2 (Adam and SiLU not counted)',
  cases: () => [at(2048)],
  // with the zero output layer every hidden gradient is 0 at the first step: the check starts from a nonzero one
  checkCases: [{ ...at(256), variant: 'initMlp with a He-initialized output layer' }],
  tolerance: 2e-3,
  outputs: 'loss [], Adam m of the 8 parameter arrays',
  setup: async (c, ctx) => {
    const batch = c.size.batch
    const init = await initialParams(ctx.backends[0], !c.variant)
    const [noise, data] = [gauss([batch, SIZES[0]], 1), gauss([batch, 2], 2)]
    const [hn, hd] = [noise.data as Float32Array, data.data as Float32Array]
    const params: LinearParams[] = init.map((p) => ({
      w: new Tensor(p.w, [p.in, p.out], 'f32'),
      b: new Tensor(p.b, [p.out], 'f32'),
    }))
    setBackend(ctx.backends[0])
    const state = (await adamInit.run(params)) as AdamState<LinearParams[]>
    const outputs = (r: { loss: Tensor; state: AdamState<unknown> }): Outputs => [
      r.loss.data,
      ...(r.state.m as LinearParams[]).flatMap((l) => [l.w.data, l.b.data]),
    ]
    const impls: Impl[] = driftImpls(ctx.backends, async () =>
      outputs(await trainStep.run(params, state, noise, data, TAU, LR, paperField)),
    )
    impls.push(await peer(TFJS, async () => tfStep(await tfjs(), init, hn, hd, batch)))
    impls.push(await peer(JAXJS, async () => jaxStep(await jax(), init, hn, hd, batch)))
    impls.push({ name: PLAIN, group: 'peer', run: jsStep(init, hn, hd, batch) })
    return {
      impls,
      reference: async () => outputs(await trainStep.reference(params, state, noise, data, TAU, LR, paperField)),
    }
  },
}
