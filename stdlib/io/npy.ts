/**
 * NumPy's `.npy` format, version 1.0, for float32 arrays (host code): the magic string, a header
 * dictionary padded with spaces to a multiple of 64 bytes and ended by a newline, then the values
 * little-endian in row-major order. `numpy.load` reads it as it is.
 */

const MAGIC = [0x93, ...Array.from('NUMPY', (c) => c.charCodeAt(0)), 1, 0]

/** The `.npy` bytes of a float32 array of `shape` (row-major values). */
export function encodeNpy(values: Float32Array, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1)
  if (count !== values.length) throw new RangeError(`npy: shape [${shape}] holds ${count} values, got ${values.length}`)
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ')
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`
  // magic (8) + header length (2) + dictionary + padding + '\n' is a multiple of 64
  const unpadded = MAGIC.length + 2 + dict.length + 1
  const header = dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n'
  const out = new Uint8Array(MAGIC.length + 2 + header.length + values.length * 4)
  const view = new DataView(out.buffer)
  out.set(MAGIC, 0)
  view.setUint16(MAGIC.length, header.length, true)
  out.set(
    Array.from(header, (c) => c.charCodeAt(0)),
    MAGIC.length + 2,
  )
  const start = MAGIC.length + 2 + header.length
  values.forEach((v, i) => view.setFloat32(start + 4 * i, v, true))
  return out
}
