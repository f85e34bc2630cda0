/**
 * The earlier toy checkpoint format, read only: `checkpoint.json`, one JSON document
 * { format: "drift-toy2d-checkpoint", version: 1, sha256, payload } whose payload holds the run
 * record and the float32 tensors as base64 ({ shape, f32 }), with a SHA-256 of the payload's JSON.
 * Runs that have one still resume and sample; they continue in checkpoint.safetensors.
 */
import crypto from 'node:crypto'
import { Tensor } from '../../dsl/index.js'
import type { AdamState } from '../optim/adam.js'
import type { LinearParams } from '../nn/linear.js'
import { layerSizes } from './config.js'
import type { Checkpoint } from './checkpoint.js'
import { withRegularFile } from '../io/regularFile.js'
import { nestingDepth } from '../../compiler/runtime/json.js'
import { Corrupt, readLayers, readRunRecord } from './runMeta.js'

export const JSON_CHECKPOINT_FILE = 'checkpoint.json'
const FORMAT = 'drift-toy2d-checkpoint'
const VERSION = 1

/** A base64 tensor { shape, f32 } of `shape`. */
function decode(e: unknown, shape: number[], what: string): Tensor {
  const t = e as { shape?: unknown; f32?: unknown } | undefined
  if (!t || typeof t.f32 !== 'string' || !Array.isArray(t.shape)) throw new Corrupt(`${what} is missing`)
  if (t.shape.join('x') !== shape.join('x'))
    throw new Corrupt(`${what} has shape [${t.shape}], the config needs [${shape}]`)
  const bytes = Buffer.from(t.f32, 'base64')
  const n = shape.reduce((a, b) => a * b, 1)
  if (bytes.length !== 4 * n) throw new Corrupt(`${what} has ${bytes.length} bytes, [${shape}] needs ${4 * n}`)
  const data = new Float32Array(n)
  new Uint8Array(data.buffer).set(bytes)
  if (!data.every(Number.isFinite)) throw new Corrupt(`${what} holds a value that is not finite`)
  return new Tensor(data, shape, 'f32')
}

/** The largest checkpoint read, in either format (a toy generator's is a few MB). */
export const MAX_TOY_CHECKPOINT_BYTES = 256 * 2 ** 20
/** The deepest nesting of a checkpoint.json (its tensors sit five levels down). */
const MAX_DEPTH = 32

/** The checkpoint in FILE, a checkpoint.json: a damaged one is a Corrupt, a missing or irregular file a DataError. */
export function readJsonCheckpoint(file: string): Checkpoint {
  const text = withRegularFile(file, 'no checkpoint here', ({ size, read }) => {
    if (size > MAX_TOY_CHECKPOINT_BYTES)
      throw new Corrupt(`${size} bytes, more than the ${MAX_TOY_CHECKPOINT_BYTES} a toy checkpoint can need`)
    return new TextDecoder().decode(read(0, size))
  })
  const depth = nestingDepth(text)
  if (depth > MAX_DEPTH) throw new Corrupt(`it nests ${depth} levels deep, a toy checkpoint at most ${MAX_DEPTH}`)
  let doc: { format?: unknown; version?: unknown; sha256?: unknown; payload?: Record<string, unknown> }
  try {
    doc = JSON.parse(text)
  } catch (e) {
    throw new Corrupt(`not JSON (${(e as Error).message.replace(/\s+/g, ' ')})`)
  }
  if (doc?.format !== FORMAT) throw new Corrupt(`not a toy2d checkpoint (format ${JSON.stringify(doc?.format)})`)
  if (doc.version !== VERSION)
    throw new Corrupt(`version ${JSON.stringify(doc.version)}, this drift reads version ${VERSION}`)
  const p = doc.payload
  if (!p || typeof p !== 'object') throw new Corrupt('no payload')
  if (crypto.createHash('sha256').update(JSON.stringify(p)).digest('hex') !== doc.sha256)
    throw new Corrupt('its SHA-256 does not match its contents')
  const run = readRunRecord(p)
  const sizes = layerSizes(run.config)
  const adam = p.adam as { step?: unknown; m?: unknown; v?: unknown } | undefined
  return {
    config: run.config,
    backend: run.backend,
    state: {
      step: run.step,
      losses: run.losses,
      evals: run.evals,
      params: readLayers(p.params, sizes, 'params', decode),
      adam: {
        step: decode(adam?.step, [], 'adam.step') as AdamState<LinearParams[]>['step'],
        m: readLayers(adam?.m, sizes, 'adam.m', decode),
        v: readLayers(adam?.v, sizes, 'adam.v', decode),
      },
    },
  }
}
