/**
 * Workload 9: one multi-head self-attention layer (stdlib/nn/attention.ts `multiHeadAttention`, 4
 * heads) on B = 64 sequences of T = 49 tokens (7×7 patches of an image) of d = 128 features; Σ out²
 * and its gradient with respect to Wq, Wk, Wv, Wo and x (bench/workloads/image-programs.ts
 * `attentionStep`).
 */
import type * as TF from '@tensorflow/tfjs'
import type * as JAX from '@jax-js/jax'
import type { AttentionParams } from '../../stdlib/nn/attention.js'
import { driftImpls, gauss, leaves, type Case, type Impl, type Workload } from '../harness.js'
import { jax, JAXJS, peer, TFJS, tfjs, tfRun } from '../peers.js'
import { torchPeer } from '../torch.js'
import { attentionStep, HEADS } from './image-programs.js'

type JArray = JAX.Array
const [T, D] = [49, 128]
const DH = D / HEADS

const at = (b: number): Case => ({
  size: { B: b },
  // forward: 4 projections (2·B·T·D² each) and the two attention products (2·B·T²·D each); backward twice that
  flops: 3 * (4 * 2 * b * T * D * D + 2 * 2 * b * T * T * D),
})

export const attention: Workload = {
  name: 'attention',
  title: 'multi-head self-attention (4 heads) on [B, 49, 128], Σ out² and its gradient',
  what:
    'bench/workloads/image-programs.ts `attentionStep`: valueAndGrad of Σ multiHeadAttention(p, x, 4)² with respect to Wq, Wk, Wv, Wo [128, 128] and x. ' +
    'tfjs-wasm: tf.matMul (batched, transposeB), tf.softmax, tf.grads; jax-js: np.matmul and nn.softmax under jit, valueAndGrad; ' +
    'PyTorch: @ and torch.softmax, torch.autograd.grad, in a child process that times itself. No plain-JS loop.',
  flopsRule:
    '3 · (4 projections 2·B·T·D² + the two attention products 2·B·T²·D): forward and backward, softmax not counted',
  cases: (quick) => [at(quick ? 8 : 64)],
  checkCases: [at(2)],
  tolerance: 1e-3,
  outputs: 'Σ out² [], ∂/∂Wq, ∂/∂Wk, ∂/∂Wv, ∂/∂Wo [128, 128], ∂/∂x [B, 49, 128]',
  setup: async (c, ctx) => {
    const b = c.size.B
    const ws = [1, 2, 3, 4].map((seed) => gauss([D, D], seed, 1 / Math.sqrt(D)))
    const x = gauss([b, T, D], 5)
    const hw = ws.map((w) => w.data as Float32Array)
    const hx = x.data as Float32Array
    const params = { wq: ws[0], wk: ws[1], wv: ws[2], wo: ws[3] } as AttentionParams
    const impls: Impl[] = driftImpls(ctx.backends, async () => leaves(await attentionStep.run(params, x)))
    impls.push(
      await peer(TFJS, async () => {
        const tf = await tfjs()
        return () =>
          tfRun(tf, [...hw.map((w) => tf.tensor2d(w, [D, D])), tf.tensor3d(hx, [b, T, D])], (...ts) => {
            const { value, grads } = tf.valueAndGrads((...a) => {
              const [wq, wk, wv, wo, xi] = a
              const split = (w: TF.Tensor) =>
                tf
                  .matMul(xi.reshape([b * T, D]), w as TF.Tensor2D)
                  .reshape([b, T, HEADS, DH])
                  .transpose([0, 2, 1, 3])
              const scores = tf.matMul(split(wq), split(wk), false, true).mul(1 / Math.sqrt(DH))
              const heads = tf.matMul(tf.softmax(scores), split(wv))
              const merged = heads.transpose([0, 2, 1, 3]).reshape([b * T, D])
              return tf
                .matMul(merged as TF.Tensor2D, wo as TF.Tensor2D)
                .square()
                .sum()
            })(ts)
            return [value, ...grads]
          })
      }),
    )
    impls.push(
      await peer(JAXJS, async () => {
        const jx = await jax()
        const np = jx.numpy
        const loss = (p: JArray[], xi: JArray) => {
          const [wq, wk, wv, wo] = p
          const split = (w: JArray) => np.transpose(np.matmul(xi.ref, w).reshape([b, T, HEADS, DH]), [0, 2, 1, 3])
          const [q, k, v] = [split(wq), split(wk), split(wv)]
          xi.dispose()
          const scores = np.matmul(q, np.transpose(k, [0, 1, 3, 2])).mul(1 / Math.sqrt(DH))
          const heads = np.matmul(jx.nn.softmax(scores, -1), v)
          const merged = np.transpose(heads, [0, 2, 1, 3]).reshape([b, T, D])
          return np.square(np.matmul(merged, wo)).sum()
        }
        const f = jx.jit((p: JArray[], xi: JArray) => jx.valueAndGrad(loss, { argnums: [0, 1] })(p, xi))
        return async () => {
          const p = hw.map((w) => np.array(w).reshape([D, D]))
          const [value, [gp, gx]] = f(p, np.array(hx).reshape([b, T, D])) as unknown as [JArray, [JArray[], JArray]]
          const out = [(await value.data()) as Float32Array]
          for (const g of gp) out.push((await g.data()) as Float32Array)
          out.push((await gx.data()) as Float32Array)
          return out
        }
      }),
    )
    impls.push(
      torchPeer({ workload: 'attention', heads: HEADS }, [
        ...hw.map((data) => ({ shape: [D, D], data })),
        { shape: [b, T, D], data: hx },
      ]),
    )
    return {
      impls,
      reference: async () => leaves(await attentionStep.reference(params, x)),
    }
  },
}
