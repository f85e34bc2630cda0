/** Writes a toy checkpoint in the earlier checkpoint.json format (version 1), as runs made before checkpoint.safetensors have them. */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Tensor } from '../dsl/index.js'
import type { LinearParams } from '../stdlib/nn/linear.js'
import type { Checkpoint } from '../stdlib/toy2d/checkpoint.js'

const encode = (t: Tensor) => ({
  shape: [...t.shape],
  f32: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64'),
})
const encodeLayers = (ls: LinearParams[]) => ls.map((l) => ({ w: encode(l.w), b: encode(l.b) }))

export function writeLegacyCheckpoint(dir: string, c: Checkpoint): void {
  const { state } = c
  const body = JSON.stringify({
    step: state.step,
    config: c.config,
    backend: c.backend,
    rng: {
      seed: c.config.seed,
      scheme: 'the batch of step s: foldIn(foldIn(randomKey(seed), 1), s) (stdlib/toy2d/batch.ts)',
    },
    losses: state.losses,
    evals: state.evals,
    params: encodeLayers(state.params),
    adam: { step: encode(state.adam.step), m: encodeLayers(state.adam.m), v: encodeLayers(state.adam.v) },
  })
  const sha256 = crypto.createHash('sha256').update(body).digest('hex')
  fs.writeFileSync(
    path.join(dir, 'checkpoint.json'),
    `{"format":"drift-toy2d-checkpoint","version":1,"sha256":"${sha256}","payload":${body}}\n`,
  )
}
