/**
 * Workload 8: a ResNet basic block with GroupNorm (stdlib/nn/resnetBlock.ts `basicBlock`, stride 1,
 * 8 groups) on [batch, 32, 14, 14]: relu(GN(conv3×3(relu(GN(conv3×3(x))))) + x); Σ out² and its
 * gradient with respect to every parameter and to x (bench/workloads/image-programs.ts `blockStep`).
 */
import type * as TF from '@tensorflow/tfjs'
import type * as JAX from '@jax-js/jax'
import { Tensor } from '../../dsl/index.js'
import type { BasicBlockParams } from '../../stdlib/nn/resnetBlock.js'
import { driftImpls, gauss, leaves, type Case, type Impl, type Workload } from '../harness.js'
import { jax, JAXJS, peer, TFJS, tfjs, tfRun } from '../peers.js'
import { torchPeer } from '../torch.js'
import { blockStep, GROUPS } from './image-programs.js'
import { fromHWIO, fromNHWC, toHWIO, toNHWC } from './layouts.js'

type JArray = JAX.Array
const [C, HW] = [32, 14]
const EPS = 1e-5

/** The block's parameters in its leaf order (conv1 w, b; norm1 scale, shift; conv2 …; norm2 …), seeded. */
function parameters(): { shape: number[]; data: Float32Array }[] {
  const conv = (seed: number) => [gauss([C, C, 3, 3], seed, Math.sqrt(2 / (9 * C))), gauss([C], seed + 1, 0.1)]
  const norm = (seed: number) => [gauss([C], seed, 0.1), gauss([C], seed + 1, 0.1)]
  const [s1, h1] = norm(12)
  const [s2, h2] = norm(22)
  // scales near 1
  for (const s of [s1, s2]) for (let i = 0; i < C; i++) s.data[i] += 1
  return [...conv(10), s1, h1, ...conv(20), s2, h2].map((t) => ({ shape: t.shape, data: t.data as Float32Array }))
}

const asParams = (ps: { shape: number[]; data: Float32Array }[]): BasicBlockParams => {
  const t = (i: number) => new Tensor(ps[i].data, ps[i].shape as never, 'f32')
  return {
    conv1: { w: t(0), b: t(1) },
    norm1: { scale: t(2), shift: t(3) },
    conv2: { w: t(4), b: t(5) },
    norm2: { scale: t(6), shift: t(7) },
  } as BasicBlockParams
}

/** GroupNorm on NHWC. */
function tfGroupNorm(tf: typeof TF, x: TF.Tensor4D, scale: TF.Tensor, shift: TF.Tensor): TF.Tensor4D {
  const [n, h, w, c] = x.shape
  const g = x.reshape([n, h, w, GROUPS, c / GROUPS])
  const { mean, variance } = tf.moments(g, [1, 2, 4], true)
  return g.sub(mean).div(variance.add(EPS).sqrt()).reshape([n, h, w, c]).mul(scale).add(shift) as TF.Tensor4D
}

/** GroupNorm on NCHW. */
function jaxGroupNorm(jx: typeof JAX, x: JArray, scale: JArray, shift: JArray, n: number): JArray {
  const np = jx.numpy
  const g = x.reshape([n, GROUPS, -1])
  const centered = g.sub(np.mean(g.ref, 2, { keepdims: true }))
  const normed = centered.ref.div(np.sqrt(np.mean(np.square(centered), 2, { keepdims: true }).add(EPS)))
  return normed
    .reshape([n, C, HW, HW])
    .mul(scale.reshape([1, C, 1, 1]))
    .add(shift.reshape([1, C, 1, 1]))
}

const at = (batch: number): Case => ({ size: { batch }, flops: 3 * 2 * 2 * batch * C * C * 9 * HW * HW })

export const resnet: Workload = {
  name: 'resnet',
  title: 'ResNet basic block with GroupNorm on [batch, 32, 14, 14], Σ out² and its gradient',
  what:
    'bench/workloads/image-programs.ts `blockStep`: valueAndGrad of Σ basicBlock(p, x, stride 1, 8 groups)² with respect to the block’s 8 parameter arrays and x. ' +
    'tfjs-wasm: NHWC, GroupNorm by tf.moments, gradients by tf.grads; jax-js: lax.conv in NCHW under jit, valueAndGrad; ' +
    'PyTorch: F.conv2d and F.group_norm, torch.autograd.grad, in a child process that times itself. No plain-JS loop.',
  flopsRule: '3 · 2 convolutions · 2·batch·32·32·9·14² (forward, input and filter gradients; GroupNorm not counted)',
  cases: (quick) => [at(quick ? 8 : 128)],
  checkCases: [at(2)],
  tolerance: 1e-3,
  outputs: 'Σ out² [], the gradient of each parameter array, ∂/∂x [batch, 32, 14, 14]',
  setup: async (c, ctx) => {
    const n = c.size.batch
    const ps = parameters()
    const x = gauss([n, C, HW, HW], 1)
    const hx = x.data as Float32Array
    const params = asParams(ps)
    const impls: Impl[] = driftImpls(ctx.backends, async () => leaves(await blockStep.run(params, x)))
    impls.push(
      await peer(TFJS, async () => {
        const tf = await tfjs()
        const [w1, w2] = [toHWIO(ps[0].data, ps[0].shape), toHWIO(ps[4].data, ps[4].shape)]
        const xh = toNHWC(hx, x.shape)
        return async () => {
          const ins = [
            tf.tensor4d(w1, [3, 3, C, C]),
            ...[1, 2, 3].map((i) => tf.tensor1d(ps[i].data)),
            tf.tensor4d(w2, [3, 3, C, C]),
            ...[5, 6, 7].map((i) => tf.tensor1d(ps[i].data)),
            tf.tensor4d(xh, [n, HW, HW, C]),
          ]
          const out = await tfRun(tf, ins, (...ts) => {
            const { value, grads } = tf.valueAndGrads((...a) => {
              const [cw1, cb1, s1, h1, cw2, cb2, s2, h2, xi] = a as TF.Tensor4D[]
              const conv = (v: TF.Tensor4D, w: TF.Tensor4D, b: TF.Tensor) => tf.conv2d(v, w, 1, 1).add(b) as TF.Tensor4D
              const h = tf.relu(tfGroupNorm(tf, conv(xi, cw1, cb1), s1, h1))
              return tf
                .relu(tfGroupNorm(tf, conv(h, cw2, cb2), s2, h2).add(xi))
                .square()
                .sum()
            })(ts)
            return [value, ...grads]
          })
          return [
            out[0],
            fromHWIO(out[1], ps[0].shape),
            ...out.slice(2, 5),
            fromHWIO(out[5], ps[4].shape),
            ...out.slice(6, 9),
            fromNHWC(out[9], x.shape),
          ]
        }
      }),
    )
    impls.push(
      await peer(JAXJS, async () => {
        const jx = await jax()
        const np = jx.numpy
        const pad = [
          [1, 1],
          [1, 1],
        ] as [number, number][]
        const loss = (p: JArray[], xi: JArray) => {
          const [cw1, cb1, s1, h1, cw2, cb2, s2, h2] = p
          const conv = (v: JArray, w: JArray, b: JArray) => jx.lax.conv(v, w, [1, 1], pad).add(b.reshape([1, C, 1, 1]))
          const h = jx.nn.relu(jaxGroupNorm(jx, conv(xi.ref, cw1, cb1), s1, h1, n))
          return np.square(jx.nn.relu(jaxGroupNorm(jx, conv(h, cw2, cb2), s2, h2, n).add(xi))).sum()
        }
        const f = jx.jit((p: JArray[], xi: JArray) => jx.valueAndGrad(loss, { argnums: [0, 1] })(p, xi))
        return async () => {
          const p = ps.map((a) => np.array(a.data).reshape(a.shape))
          const [value, [gp, gx]] = f(p, np.array(hx).reshape(x.shape)) as unknown as [JArray, [JArray[], JArray]]
          const out = [(await value.data()) as Float32Array]
          for (const g of gp) out.push((await g.data()) as Float32Array)
          out.push((await gx.data()) as Float32Array)
          return out
        }
      }),
    )
    impls.push(torchPeer({ workload: 'resnet', groups: GROUPS }, [...ps, { shape: x.shape, data: hx }]))
    return { impls, reference: async () => leaves(await blockStep.reference(params, x)) }
  },
}
