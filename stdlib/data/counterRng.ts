/**
 * A small counter-based random number generator for host code: the k-th number of a stream is
 * a hash of (seed, step, stream, k) (MurmurHash3's 32-bit mixing of the four words), so a draw
 * is a pure function of where it is, and a resumed run that restores (seed, step, stream,
 * counter) draws exactly the numbers an uninterrupted one would.
 */

/** The streams of the image data pipeline: each kind of draw has its own. */
export const STREAMS = { classes: 0, positives: 1, unconditional: 2, queue: 3, alpha: 4, noise: 5, styles: 6 } as const

const C1 = 0xcc9e2d51
const C2 = 0x1b873593
const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r))

function mixWord(h: number, k: number): number {
  k = Math.imul(rotl(Math.imul(k, C1), 15), C2)
  return (Math.imul(rotl(h ^ k, 13), 5) + 0xe6546b64) | 0
}

/** MurmurHash3 (x86, 32-bit, seed 0) of the 16 bytes of four 32-bit words. */
export function hash4(a: number, b: number, c: number, d: number): number {
  let h = mixWord(mixWord(mixWord(mixWord(0, a), b), c), d) ^ 16
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

const isWord = (v: number) => Number.isInteger(v) && v >= 0 && v < 2 ** 32

/** Where a counter-based stream stands: everything needed to continue it. */
export interface RngState {
  seed: number
  step: number
  stream: number
  counter: number
}

export class CounterRng {
  readonly seed: number
  readonly step: number
  readonly stream: number
  counter: number

  constructor(seed: number, step: number, stream: number, counter = 0) {
    for (const [name, v] of Object.entries({ seed, step, stream, counter }))
      if (!isWord(v)) throw new RangeError(`CounterRng: ${name} must be an integer in [0, 2^32), got ${v}`)
    this.seed = seed
    this.step = step
    this.stream = stream
    this.counter = counter
  }

  static restore(s: RngState): CounterRng {
    return new CounterRng(s.seed, s.step, s.stream, s.counter)
  }

  state(): RngState {
    return { seed: this.seed, step: this.step, stream: this.stream, counter: this.counter }
  }

  /** The next uniform 32-bit integer. */
  u32(): number {
    if (this.counter >= 2 ** 32) throw new RangeError('CounterRng: the stream of 2^32 numbers is used up')
    return hash4(this.seed, this.step, this.stream, this.counter++)
  }

  /** A uniform integer in [0, n), without bias: draws past the largest multiple of n are redrawn. */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32)
      throw new RangeError(`CounterRng.below: n must be in [1, 2^32], got ${n}`)
    const limit = 2 ** 32 - (2 ** 32 % n)
    for (;;) {
      const u = this.u32()
      if (u < limit) return u % n
    }
  }

  /** A standard normal number (Box–Muller on two uniforms in (0, 1]). */
  normal(): number {
    const u = (this.u32() + 1) / 2 ** 32
    const v = this.u32() / 2 ** 32
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** k distinct integers of [0, n) in random order (a Fisher–Yates shuffle that stops after k swaps). */
  distinct(n: number, k: number): Int32Array {
    if (!Number.isInteger(k) || k < 0 || k > n)
      throw new RangeError(`CounterRng.distinct: cannot draw ${k} distinct values from ${n}`)
    const moved = new Map<number, number>()
    const at = (i: number) => moved.get(i) ?? i
    const out = new Int32Array(k)
    for (let i = 0; i < k; i++) {
      const j = i + this.below(n - i)
      out[i] = at(j)
      moved.set(j, at(i))
    }
    return out
  }
}
