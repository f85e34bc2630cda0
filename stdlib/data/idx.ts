/**
 * The IDX format of the MNIST files (host code), read with every part checked: a magic number
 * (two zero bytes, a type code, the number of dimensions), the dimensions as big-endian 32-bit
 * integers, then the values in row-major order. Only unsigned bytes (type code 0x08) are read,
 * and the file must be exactly as long as its header and dimensions say.
 */
import { DataError } from '../io/errors.js'
import { withRegularFile } from '../io/regularFile.js'

/** Type code 0x08: unsigned bytes. */
const UBYTE = 0x08
const TYPE_NAMES: Record<number, string> = {
  0x08: 'u8',
  0x09: 'i8',
  0x0b: 'i16',
  0x0c: 'i32',
  0x0d: 'f32',
  0x0e: 'f64',
}

export interface Idx {
  /** the sizes of its dimensions, all ≥ 1 */
  dims: number[]
  /** the values in row-major order */
  data: Uint8Array
}

/** What the messages say to do about a file that is missing or damaged. */
export interface IdxFixes {
  missing: string
  damaged: string
}

const hex8 = (v: number) => `0x${v.toString(16).padStart(8, '0')}`

/** Read FILE, an IDX file of unsigned bytes with `rank` dimensions; any problem is a DataError naming the file. */
export function readIdx(file: string, rank: number, fix: IdxFixes): Idx {
  const expected = hex8(UBYTE * 256 + rank)
  const fail = (what: string): never => {
    throw new DataError(`${file}: ${what}; ${fix.damaged}`)
  }
  return withRegularFile(file, fix.missing, ({ size, read }) => {
    if (size < 4) fail(`${size} bytes, shorter than the 4-byte IDX magic number`)
    const magic = read(0, 4)
    const word = new DataView(magic.buffer).getUint32(0)
    if (magic[0] !== 0 || magic[1] !== 0) fail(`magic number ${hex8(word)} is not an IDX one (expected ${expected})`)
    if (magic[2] !== UBYTE)
      fail(
        `type code 0x${magic[2].toString(16).padStart(2, '0')} (${TYPE_NAMES[magic[2]] ?? 'unknown'}): only unsigned bytes (0x08) are read`,
      )
    if (magic[3] !== rank)
      fail(`magic number ${hex8(word)} says ${magic[3]} dimensions, expected ${rank} (${expected})`)
    const header = 4 + 4 * rank
    if (size < header) fail(`header cut short: ${size} bytes, but ${rank} dimensions need a ${header}-byte header`)
    const sizes = new DataView(read(4, 4 * rank).buffer)
    const dims = Array.from({ length: rank }, (_, i) => sizes.getUint32(4 * i))
    const zero = dims.indexOf(0)
    if (zero >= 0) fail(`dimension ${zero} is 0 in [${dims.join(', ')}]: the file holds no data`)
    const total = BigInt(header) + dims.reduce((a, d) => a * BigInt(d), 1n)
    if (BigInt(size) < total) fail(`truncated: ${size} bytes, but dimensions [${dims.join(', ')}] need ${total}`)
    if (BigInt(size) > total)
      fail(`${BigInt(size) - total} trailing bytes after the ${total} that dimensions [${dims.join(', ')}] need`)
    return { dims, data: read(header, size - header) }
  })
}
