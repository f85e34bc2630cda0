/**
 * Every graph rewrite keeps the program's meaning: each one is applied to the unsimplified graphs
 * of real programs (the paper's field and its gradient, the official loss and its gradient, a
 * Gaussian field) in the state the compiler hands them over, the result is verified, and both graphs are interpreted in
 * float64 on the same random inputs. Each rewrite must fire on at least one of the programs, so
 * none of these checks is vacuous. Also: the verifier names each kind of malformed graph.
 */
import { describe, expect, test } from 'vitest'
import { specialize, type ArgSpec, type FnRef } from '../compiler/frontend/specialize.js'
import { formatDiagnostic } from '../compiler/frontend/diagnostics.js'
import type { Graph } from '../compiler/ir/types.js'
import { interpret } from '../compiler/ir/interpret.js'
import { verifyGraph } from '../compiler/ir/verify.js'
import { GraphBuilder, lit } from '../compiler/ir/builder.js'
import { expProducts } from '../compiler/transforms/expProducts.js'
import { reciprocals } from '../compiler/transforms/reciprocals.js'
import { roots } from '../compiler/transforms/roots.js'
import { scaledExtrema } from '../compiler/transforms/scaledExtrema.js'
import { scaledMatmuls } from '../compiler/transforms/scaledMatmuls.js'
import { splitReductions } from '../compiler/transforms/splitReductions.js'
import { transposedOperands } from '../compiler/transforms/transposedOperands.js'
import { simplify } from '../compiler/transforms/simplify.js'
import { randn, rng, rootPath, T } from './helpers.js'

const SEED = 20261130

const PROGRAMS: { name: string; ref: FnRef; args: ArgSpec[] }[] = [
  {
    name: 'paperField',
    ref: { file: rootPath('stdlib/fields/paper.ts'), exportName: 'paperField' },
    args: [T([24, 3]), T([20, 3]), T([24, 3]), T([])],
  },
  {
    name: 'paperField gradient',
    ref: {
      file: rootPath('stdlib/fields/paper.ts'),
      exportName: 'paperField',
      transform: { kind: 'vjp' },
    },
    args: [T([12, 3]), T([10, 3]), T([12, 3]), T([]), T([12, 3])],
  },
  {
    name: 'driftLoss',
    ref: { file: rootPath('stdlib/fields/driftLoss.ts'), exportName: 'driftLoss' },
    args: [T([2, 8, 3]), T([2, 4, 3]), T([2, 8, 3]), T([2])],
  },
  {
    name: 'driftLoss gradient',
    ref: {
      file: rootPath('stdlib/fields/driftLoss.ts'),
      exportName: 'driftLoss',
      transform: { kind: 'vjp' },
    },
    args: [
      T([2, 8, 3]),
      T([2, 4, 3]),
      T([2, 8, 3]),
      T([2]),
      {
        tag: 'object',
        fields: [
          ['loss', T([])],
          ['perTemperature', T([3])],
        ],
      },
    ],
  },
  {
    name: 'gaussianField',
    ref: { file: rootPath('stdlib/fields/gaussian.ts'), exportName: 'gaussianField' },
    args: [T([16, 2]), T([12, 2]), T([16, 2]), T([])],
  },
]

const REWRITES: Record<string, (g: Graph) => Graph> = {
  expProducts: (g) => expProducts(g).graph,
  reciprocals: (g) => reciprocals(g).graph,
  roots: (g) => roots(g).graph,
  scaledExtrema: (g) => scaledExtrema(g).graph,
  scaledMatmuls: (g) => scaledMatmuls(g).graph,
  splitReductions: (g) => splitReductions(g, 1).graph,
  transposedOperands: (g) => transposedOperands(g).graph,
  simplify,
}

function raw(p: (typeof PROGRAMS)[number]): Graph {
  const r = specialize(p.ref, p.args, { simplified: false })
  if (r._tag === 'Left') throw new Error(r.left.map((d) => formatDiagnostic(d)).join('\n'))
  return r.right.graph
}

/** Inputs: normal draws, positive temperatures (a rank-0 input) near the scale the fields use. */
function inputsFor(g: Graph, seed: number) {
  const r = rng(seed)
  return g.inputs.map((v) =>
    v.shape.length === 0 ? { shape: [], dtype: 'f32' as const, data: Float64Array.of(0.3 + r()) } : randn(v.shape, r),
  )
}

/** |got − want| ≤ 1e-9·|want| + 1e-12·max|want| (float64: a real rewrite error is far larger). */
function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  let scale = 0
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]))
  for (let i = 0; i < want.length; i++) {
    const bound = 1e-9 * Math.abs(want[i]) + 1e-12 * scale
    if (!(Math.abs(got[i] - want[i]) <= bound))
      throw new Error(`${what}: element ${i} is ${got[i]}, want ${want[i]} (bound ${bound}; seed ${SEED})`)
  }
}

/**
 * The graph each rewrite sees in the compiler: the algebraic ones in simplify's order (each after
 * the ones before it), the backend rewrites after simplification.
 */
function stages(g: Graph): Record<string, Graph> {
  const out: Record<string, Graph> = { simplify: g }
  let cur = g
  for (const name of ['expProducts', 'reciprocals', 'roots', 'scaledExtrema', 'scaledMatmuls']) {
    out[name] = cur
    cur = REWRITES[name](cur)
  }
  out.splitReductions = out.transposedOperands = simplify(g)
  return out
}

describe('each rewrite keeps the meaning of real programs', () => {
  const graphs = PROGRAMS.map((p) => ({ name: p.name, stages: stages(raw(p)) }))
  for (const [rewrite, apply] of Object.entries(REWRITES))
    test(rewrite, () => {
      let fired = 0
      for (const { name, stages } of graphs) {
        const graph = stages[rewrite]
        const after = apply(graph)
        verifyGraph(after, rewrite)
        if (after.eqns.length !== graph.eqns.length || after.eqns.some((e, i) => e !== graph.eqns[i])) fired++
        const ins = inputsFor(graph, SEED)
        const want = interpret(graph, ins, 'f64')
        const got = interpret(after, ins, 'f64')
        want.forEach((w, i) => expectSame(got[i].data, w.data, `${rewrite} on ${name}, output ${i}`))
      }
      expect(fired, `${rewrite} changed none of the programs`).toBeGreaterThan(0)
    })
})

describe('the verifier names what is wrong', () => {
  const base = () => {
    const b = new GraphBuilder()
    const x = b.addInput({ shape: [2, 3], dtype: 'f32' }, 'x')
    const y = b.emit1('exp', [x])
    const z = b.emit1('mul', [y, lit(2)])
    return b.build([z])
  }
  test('a well-formed graph passes', () => expect(() => verifyGraph(base())).not.toThrow())
  const broken: [string, (g: Graph) => void, RegExp][] = [
    ['a variable defined twice', (g) => (g.eqns[1].outputs[0] = g.eqns[0].outputs[0]), /defined twice/],
    ['a read before the definition', (g) => g.eqns.reverse(), /read by equation 1 \(mul\) before it is defined/],
    [
      'a recorded shape the rule does not give',
      (g) => (g.eqns[1].outputs[0].shape = [3, 2]),
      /recorded as f32\[3,2\], its rule gives f32\[2,3\]/,
    ],
    ['a recorded dtype the rule does not give', (g) => (g.eqns[0].outputs[0].dtype = 'i32'), /recorded as i32\[2,3\]/],
    ['an unknown primitive', (g) => ((g.eqns[0] as { prim: string }).prim = 'frobnicate'), /no such primitive/],
    ['a wrong operand count', (g) => g.eqns[1].inputs.pop(), /has 1 operands, the primitive takes 2/],
    [
      'a fractional integer literal',
      (g) => (g.eqns[1].inputs[1] = { kind: 'lit', value: 2.5, dtype: 'i32' }),
      /i32 literal in equation 2 \(mul\) is 2.5/,
    ],
    [
      'an output never defined',
      (g) => (g.outputs[0] = { kind: 'var', id: 99, shape: [2, 3], dtype: 'f32' }),
      /variable 99 is read by output 0/,
    ],
  ]
  for (const [what, breakIt, message] of broken)
    test(what, () => {
      const g = base()
      breakIt(g)
      expect(() => verifyGraph(g, 'a test')).toThrow(message)
    })
})
