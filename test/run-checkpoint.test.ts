/** A training run's checkpoint (stdlib/train/runCheckpoint.ts) over the size limit is refused before its tensors are read. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect, test } from 'vitest'
import { loadRun, MAX_RUN_CHECKPOINT_BYTES } from '../stdlib/train/runCheckpoint.js'

test('a run checkpoint of 2 GiB, its header well formed, is refused unread with one RunError line', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-run-checkpoint-'))
  try {
    const header = Buffer.from(JSON.stringify({ x: { dtype: 'F32', shape: [2 ** 29], data_offsets: [0, 2 ** 31] } }))
    const length = Buffer.alloc(8)
    length.writeBigUInt64LE(BigInt(header.length))
    const file = path.join(dir, 'checkpoint.safetensors')
    fs.writeFileSync(file, Buffer.concat([length, header]))
    fs.truncateSync(file, 8 + header.length + 2 ** 31) // a hole: no disk used
    const never = () => Promise.reject(new Error('the template should not be asked for'))
    const load = loadRun(dir, 'mnist-drift', (c) => c, never)
    await expect(load).rejects.toMatchObject({ name: 'RunError' })
    await expect(load).rejects.toThrow(
      new RegExp(`checkpoint\\.safetensors: \\d+ bytes, more than the ${MAX_RUN_CHECKPOINT_BYTES} its reader accepts$`),
    )
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
