/**
 * Random well-formed DSL programs, as TypeScript source text: a few statements of elementwise
 * operations, broadcasting, reductions, matmul, softmax, concat and slice, and map lambdas over
 * four matrices. Values stay of order one (bounded functions guard exp, log, sqrt and division),
 * so a float32 run agrees with the float64 reference to rounding. The same seed gives the same
 * program on every machine.
 */

/** A seeded PRNG (mulberry32, as test/helpers.ts; this file also runs outside vitest). */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface Program {
  seed: number
  source: string
  /** The shapes of the parameters (a, b, w, r), in order. */
  shapes: number[][]
}

interface Value {
  name: string
  shape: [number, number]
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]
const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1))

/** Unary forms of x, each defined and of order one for x of order one. */
const UNARY: ((x: string) => string)[] = [
  (x) => `${x}.neg()`,
  (x) => `${x}.abs()`,
  (x) => `${x}.tanh()`,
  (x) => `${x}.sin()`,
  (x) => `${x}.cos()`,
  (x) => `${x}.tanh().exp()`,
  (x) => `${x}.square().add(1).log()`,
  (x) => `${x}.abs().add(0.25).sqrt()`,
  (x) => `${x}.mul(0.5).square()`,
]

/** Lambdas for map, written with Math as a user writes them. */
const LAMBDAS = [
  '(v) => Math.tanh(v) * 0.5 + v',
  '(v) => (v > 0 ? v : 0.1 * v)',
  '(v) => Math.max(v, -0.5) - Math.min(v, 0.5)',
  '(v) => Math.exp(-v * v)',
  '(v) => v / (1 + Math.abs(v))',
]

const BINARY = ['add', 'sub', 'mul', 'maximum', 'minimum']

/** One new value from the values so far: its expression and shape. */
function step(r: () => number, vals: Value[]): { expr: string; shape: [number, number] } {
  // mostly the newest value, so statements chain into one another
  const x = r() < 0.6 ? vals[vals.length - 1] : pick(r, vals)
  const [R, C] = x.shape
  const same = vals.filter((v) => v.shape[0] === R && v.shape[1] === C)
  const rowLike = vals.filter((v) => v.shape[0] === 1 && v.shape[1] === C)
  const colLike = vals.filter((v) => v.shape[0] === R && v.shape[1] === 1)
  switch (int(r, 0, 9)) {
    case 0:
    case 1:
      return { expr: pick(r, UNARY)(x.name), shape: [R, C] }
    case 2:
    case 3: {
      // broadcasting: another value of the same shape, a row, a column, or a number
      const number = { name: (int(r, -8, 8) / 4).toString(), shape: [1, 1] }
      const broadcast = [...rowLike, ...colLike].filter((v) => v.shape.join() !== x.shape.join())
      const other = pick(r, r() < 0.5 && broadcast.length ? broadcast : [...same, number])
      const op = pick(r, BINARY)
      return { expr: `${x.name}.${op}(${other.name})`, shape: [R, C] }
    }
    case 4: {
      const other = pick(r, same)
      return { expr: `${x.name}.div(${other.name}.abs().add(1))`, shape: [R, C] }
    }
    case 5: {
      const axis = int(r, 0, 1)
      const op = pick(r, ['sum', 'mean', 'max', 'min', 'logsumexp'])
      return { expr: `${x.name}.${op}(${axis}, true)`, shape: axis === 0 ? [1, C] : [R, 1] }
    }
    case 6: {
      const inner = vals.filter((v) => v.shape[0] === C)
      if (inner.length) {
        const w = pick(r, inner)
        return { expr: `${x.name}.matmul(${w.name}).mul(${(1 / C).toString()})`, shape: [R, w.shape[1]] }
      }
      return { expr: `${x.name}.matmul(${x.name}.T)`, shape: [R, R] }
    }
    case 7:
      return { expr: `softmax(${x.name}, ${int(r, 0, 1)})`, shape: [R, C] }
    case 8: {
      const axis = int(r, 0, 1)
      const n = x.shape[axis]
      if (r() < 0.5 || n === 1) {
        const other = pick(
          r,
          vals.filter((v) => v.shape[1 - axis] === x.shape[1 - axis]),
        )
        const shape: [number, number] = axis === 0 ? [R + other.shape[0], C] : [R, C + other.shape[1]]
        return { expr: `concat([${x.name}, ${other.name}], ${axis})`, shape }
      }
      const start = int(r, 0, n - 1)
      const end = int(r, start + 1, n)
      const shape: [number, number] = axis === 0 ? [end - start, C] : [R, end - start]
      return { expr: `slice(${x.name}, ${axis}, ${start}, ${end})`, shape }
    }
    default:
      return { expr: `map(${x.name}, ${pick(r, LAMBDAS)})`, shape: [R, C] }
  }
}

/** The program of `seed`: a function `program(a, b, w, r)` returning one or two of its values. */
export function generateProgram(seed: number): Program {
  const r = rng(seed)
  const [R, C, K] = [int(r, 1, 5), int(r, 1, 5), int(r, 1, 5)]
  const vals: Value[] = [
    { name: 'a', shape: [R, C] },
    { name: 'b', shape: [R, C] },
    { name: 'w', shape: [C, K] },
    { name: 'r', shape: [1, C] },
  ]
  const lines: string[] = []
  const statements = int(r, 3, 8)
  for (let i = 0; i < statements; i++) {
    const { expr, shape } = step(r, vals)
    const name = `t${i}`
    lines.push(`  const ${name} = ${expr} // [${shape.join(', ')}]`)
    vals.push({ name, shape })
  }
  const last = vals[vals.length - 1].name
  const other = pick(r, vals.slice(4, -1).length ? vals.slice(4, -1) : vals.slice(0, 4)).name
  const result = r() < 0.5 ? last : `{ first: ${last}, second: ${other} }`
  const source = [
    `// drift fuzz program, seed ${seed}`,
    "import { concat, map, slice, softmax, type Mat } from 'drift-dsl'",
    '',
    'export const program = (a: Mat, b: Mat, w: Mat, r: Mat) => {',
    ...lines,
    `  return ${result}`,
    '}',
    '',
  ].join('\n')
  return { seed, source, shapes: vals.slice(0, 4).map((v) => [...v.shape]) }
}
