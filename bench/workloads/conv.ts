/**
 * Workloads 6 and 7: the image step's two convolutions (bench/workloads/image-programs.ts
 * `twoConv`): a batch of 1×28×28 images, conv 1→32 3×3 padding 1, ReLU, conv 32→64 3×3 stride 2
 * padding 1, ReLU; forward (`conv`), and Σy² with its gradient with respect to both filters
 * (`convgrad`). Inputs: seeded normal images, filters at He scale.
 */
import type * as TF from '@tensorflow/tfjs'
import type * as JAX from '@jax-js/jax'
import { driftImpls, gauss, leaves, type Case, type Impl, type Workload } from '../harness.js'
import { jax, JAXJS, peer, TFJS, tfjs, tfRun } from '../peers.js'
import { torchPeer } from '../torch.js'
import { twoConv, twoConvStep } from './image-programs.js'
import { fromHWIO, toHWIO } from './layouts.js'

type JArray = JAX.Array
const [C1, C2, HW] = [32, 64, 28]
/** Multiply-adds of the two convolutions for one image. */
const M1 = C1 * 9 * HW * HW
const M2 = C2 * C1 * 9 * (HW / 2) ** 2

const inputs = (n: number) => ({
  x: gauss([n, 1, HW, HW], 1),
  w1: gauss([C1, 1, 3, 3], 2, Math.sqrt(2 / 9)),
  w2: gauss([C2, C1, 3, 3], 3, Math.sqrt(2 / (9 * C1))),
})

const PEERS =
  'tfjs-wasm: tf.conv2d in NHWC with HWIO filters (transposed on the host before timing; the output transposed back to NCHW by tf.transpose inside the call), gradients by tf.grads; ' +
  'jax-js: lax.conv in NCHW under jit, gradients by valueAndGrad; PyTorch: F.conv2d, gradients by torch.autograd.grad, in a child process that times itself (bench/torch-peer.py). No plain-JS loop.'

function tfForward(tf: typeof TF, x: TF.Tensor4D, w1: TF.Tensor4D, w2: TF.Tensor4D): TF.Tensor4D {
  return tf.relu(tf.conv2d(tf.relu(tf.conv2d(x, w1, 1, 1)), w2, 2, 1))
}
const jaxForward = (jx: typeof JAX, w1: JArray, w2: JArray, x: JArray) =>
  jx.nn.relu(
    jx.lax.conv(
      jx.nn.relu(
        jx.lax.conv(
          x,
          w1,
          [1, 1],
          [
            [1, 1],
            [1, 1],
          ],
        ),
      ),
      w2,
      [2, 2],
      [
        [1, 1],
        [1, 1],
      ],
    ),
  )

async function setup(c: Case, grad: boolean, backends: string[]) {
  const n = c.size.batch
  const { x, w1, w2 } = inputs(n)
  const [hx, h1, h2] = [x.data, w1.data, w2.data] as Float32Array[]
  const impls: Impl[] = driftImpls(backends, async () =>
    grad ? leaves(await twoConvStep.run(w1, w2, x)) : [(await twoConv.run(w1, w2, x)).data],
  )
  impls.push(
    await peer(TFJS, async () => {
      const tf = await tfjs()
      const [t1, t2] = [toHWIO(h1, w1.shape), toHWIO(h2, w2.shape)]
      // a single input channel: NCHW and NHWC images are the same array
      const ins = (): [TF.Tensor4D, TF.Tensor4D, TF.Tensor4D] => [
        tf.tensor4d(hx, [n, HW, HW, 1]),
        tf.tensor4d(t1, [3, 3, 1, C1]),
        tf.tensor4d(t2, [3, 3, C1, C2]),
      ]
      if (!grad) return () => tfRun(tf, ins(), (tx, a, b) => [tf.transpose(tfForward(tf, tx, a, b), [0, 3, 1, 2])])
      return async () => {
        const [loss, g1, g2] = await tfRun(tf, ins(), (tx, a, b) => {
          const { value, grads } = tf.valueAndGrads((p, q) =>
            tfForward(tf, tx, p as TF.Tensor4D, q as TF.Tensor4D)
              .square()
              .sum(),
          )([a, b])
          return [value, ...grads]
        })
        return [loss, fromHWIO(g1, w1.shape), fromHWIO(g2, w2.shape)]
      }
    }),
  )
  impls.push(
    await peer(JAXJS, async () => {
      const jx = await jax()
      const np = jx.numpy
      const arr = (h: Float32Array, shape: number[]) => np.array(h).reshape(shape)
      const args = () => [arr(h1, w1.shape), arr(h2, w2.shape), arr(hx, x.shape)] as const
      if (!grad) {
        const f = jx.jit((a: JArray, b: JArray, im: JArray) => jaxForward(jx, a, b, im))
        return async () => [(await f(...args()).data()) as Float32Array]
      }
      const loss = (p: { w1: JArray; w2: JArray }, im: JArray) => np.square(jaxForward(jx, p.w1, p.w2, im)).sum()
      const f = jx.jit((a: JArray, b: JArray, im: JArray) => jx.valueAndGrad(loss)({ w1: a, w2: b }, im))
      return async () => {
        const [a, b, im] = args()
        const [value, g] = f(a, b, im) as unknown as [JArray, { w1: JArray; w2: JArray }]
        return [
          (await value.data()) as Float32Array,
          (await g.w1.data()) as Float32Array,
          (await g.w2.data()) as Float32Array,
        ]
      }
    }),
  )
  impls.push(
    torchPeer({ workload: grad ? 'convgrad' : 'conv' }, [
      { shape: w1.shape, data: h1 },
      { shape: w2.shape, data: h2 },
      { shape: x.shape, data: hx },
    ]),
  )
  return {
    impls,
    reference: async () =>
      grad ? leaves(await twoConvStep.reference(w1, w2, x)) : [(await twoConv.reference(w1, w2, x)).data],
  }
}

const at = (batch: number, flops: number): Case => ({ size: { batch }, flops: 2 * batch * flops })

export const conv: Workload = {
  name: 'conv',
  title: 'two convolutions (1→32 3×3, ReLU, 32→64 3×3 stride 2, ReLU) on 1×28×28 images, forward',
  what: `bench/workloads/image-programs.ts \`twoConv\` on a batch of seeded normal images. ${PEERS}`,
  flopsRule: '2·batch·(32·9·28² + 64·288·14²) (multiply-adds of the two convolutions ×2)',
  cases: (quick) => [at(quick ? 8 : 128, M1 + M2)],
  checkCases: [at(4, M1 + M2)],
  tolerance: 1e-4,
  outputs: 'y [batch, 64, 14, 14]',
  setup: (c, ctx) => setup(c, false, ctx.backends),
}

export const convgrad: Workload = {
  name: 'convgrad',
  title: 'two convolutions, Σy² and its gradient with respect to both filters',
  what: `bench/workloads/image-programs.ts \`twoConvStep\` (valueAndGrad of Σ twoConv(w1, w2, x)² with respect to w1 and w2). ${PEERS}`,
  flopsRule:
    '2·batch·(2·32·9·28² + 3·64·288·14²): the forward, both filter gradients and the second convolution’s input gradient',
  cases: (quick) => [at(quick ? 8 : 128, 2 * M1 + 3 * M2)],
  checkCases: [at(4, 2 * M1 + 3 * M2)],
  tolerance: 1e-3,
  outputs: 'Σy² [], ∂/∂w1 [32, 1, 3, 3], ∂/∂w2 [64, 32, 3, 3]',
  setup: (c, ctx) => setup(c, true, ctx.backends),
}
