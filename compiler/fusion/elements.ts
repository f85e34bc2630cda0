/**
 * Element code: the value of one element of an L1 variable at a symbolic index, written into a
 * kernel body. Materialized variables are loads; every other variable is computed in place from
 * its equation (this is where elementwise and movement ops fuse, reductions become loops, and
 * producers are recomputed inside their consumers).
 */
import type { Atom, Eqn, Var } from '../ir/types.js'
import type { ScalarExpr } from '../ir/scalar.js'
import { UNARY } from '../ir/ops.js'
import type { KExpr } from '../kernel/types.js'
import { BodyBuilder, add, flatIndex, idiv, imod, mulN, num, print, ref, sub, unflatten } from '../kernel/build.js'
import { col2imElement, patchElement } from './patchElements.js'
import { reshapeIndex } from '../kernel/reshapeIndex.js'
import type { Col2imParams, PatchParams } from '../ir/prims/patches.js'

export type Source =
  { kind: 'buffer'; buf: string; offset: number } | { kind: 'scalar'; name: string } | { kind: 'inline' }

export interface ElementEnv {
  b: BodyBuilder
  /** Build Σ exp(x − max x) as a plain sum reading the max where the max is stored (else as one online loop). */
  readStoredMax: boolean
  producer(id: number): Eqn | undefined
  source(v: Var): Source
  /** Called for every equation whose code is written into the kernel. */
  fused(e: Eqn): void
  /** Called when a buffer is read. */
  read(buf: string): void
}

const un = (op: string, a: KExpr): KExpr => ({ k: 'un', op, a })
const bin = (op: string, a: KExpr, b: KExpr): KExpr => ({ k: 'bin', op, a, b })
const lt = (a: KExpr, b: KExpr) => bin('lt', a, b)
const and = (a: KExpr, b: KExpr) => bin('and', a, b)
const clampIndex = (e: KExpr, n: number): KExpr => bin('min', bin('max', un('trunc', e), num(0)), num(n - 1))

/** The builder's memo key of a variable's element at `idx`. */
const elementKey = (v: Var, idx: KExpr[]) => `v${v.id}:${idx.map(print).join(',')}`

export function elem(env: ElementEnv, a: Atom, idx: KExpr[]): KExpr {
  if (a.kind === 'lit') return num(a.value)
  const src = env.source(a)
  if (src.kind === 'scalar') return ref(src.name)
  if (src.kind === 'buffer') {
    const index = add(num(src.offset), flatIndex(idx, a.shape))
    return env.b.value(`load:${src.buf}:${print(index)}`, [index], () => {
      env.read(src.buf)
      return { k: 'load', buf: src.buf, index }
    })
  }
  const e = env.producer(a.id)
  if (!e) throw new Error(`internal: no producer for variable ${a.id}`)
  return env.b.value(elementKey(a, idx), idx, () => {
    env.fused(e)
    return compute(env, e, e.outputs.indexOf(a), idx)
  })
}

/** The element of output `o` of equation `e` at `idx`. */
function compute(env: ElementEnv, e: Eqn, _o: number, idx: KExpr[]): KExpr {
  const { b } = env
  const ins = e.inputs
  const at = (i: number, ix: KExpr[]) => elem(env, ins[i], ins[i].kind === 'lit' || ins[i].shape.length === 0 ? [] : ix)
  const p = e.params as Record<string, any>
  const outShape = e.outputs[0].shape
  const inShape = (i: number) => (ins[i].kind === 'var' ? (ins[i] as Var).shape : [])
  switch (e.prim) {
    case 'copy':
    case 'hint':
    case 'stop_gradient':
      return at(0, idx)
    case 'cast':
      return p.dtype === 'bool'
        ? bin('ne', at(0, idx), num(0))
        : p.dtype === 'i32'
          ? un('trunc', at(0, idx))
          : at(0, idx)
    case 'where':
      return { k: 'sel', c: at(0, idx), a: at(1, idx), b: at(2, idx) }
    case 'map':
      return scalarCode(p.body, (i) => at(i, idx), idx)
    case 'broadcast': {
      const s = inShape(0)
      const off = outShape.length - s.length
      return at(
        0,
        s.map((d, i) => (d === 1 ? num(0) : idx[i + off])),
      )
    }
    case 'reshape': {
      const s = inShape(0)
      const squeezed = (sh: number[]) => sh.filter((d) => d !== 1).join(',')
      if (squeezed(s) === squeezed(outShape)) {
        // only size-1 axes differ: carry the other indices across
        const kept = idx.filter((_, i) => outShape[i] !== 1)
        let k = 0
        return at(
          0,
          s.map((d) => (d === 1 ? num(0) : kept[k++])),
        )
      }
      return at(0, reshapeIndex(idx, outShape, s))
    }
    case 'transpose': {
      const src = new Array<KExpr>(idx.length)
      ;(p.perm as number[]).forEach((pi, i) => (src[pi] = idx[i]))
      return at(0, src)
    }
    case 'slice':
      return at(
        0,
        idx.map((v, i) => add(v, num(p.start[i]))),
      )
    case 'pad': {
      const s = inShape(0)
      const inside = idx.map((v, i) =>
        p.lo[i] === 0 && p.hi[i] === 0 ? undefined : and(bin('ge', v, num(p.lo[i])), lt(v, num(p.lo[i] + s[i]))),
      )
      const cond = inside
        .filter((c): c is KExpr => !!c)
        .reduce<KExpr | undefined>((acc, c) => (acc ? and(acc, c) : c), undefined)
      if (!cond) return at(0, idx)
      const out = b.declare(num(0), 'pad')
      const inner = s.reduce((acc, d, i) => acc * (d / (d + p.lo[i] + p.hi[i])), 1)
      b.when(
        cond,
        () =>
          b.emit({
            k: 'set',
            name: out,
            value: at(
              0,
              idx.map((v, i) => sub(v, num(p.lo[i]))),
            ),
          }),
        undefined,
        inner,
      )
      return ref(out)
    }
    case 'concat': {
      const axis = p.axis as number
      const out = b.declare(num(0), 'cat')
      let offset = 0
      const branch = (i: number): void => {
        const n = inShape(i)[axis]
        const start = offset
        offset += n
        const body = () =>
          b.emit({
            k: 'set',
            name: out,
            value: at(
              i,
              idx.map((v, j) => (j === axis ? sub(v, num(start)) : v)),
            ),
          })
        if (i === ins.length - 1) return body()
        const rest = ins.slice(i).reduce((acc, _, j) => acc + inShape(i + j)[axis], 0)
        b.when(lt(idx[axis], num(start + n)), body, () => branch(i + 1), n / rest)
      }
      branch(0)
      return ref(out)
    }
    case 'gather': {
      const idxShape = inShape(1)
      const table = inShape(0)
      const row = clampIndex(at(1, idx.slice(0, idxShape.length)), table[0])
      return at(0, [row, ...idx.slice(idxShape.length)])
    }
    case 'iota':
      return idx[p.axis]
    case 'full':
      return num(p.value)
    case 'reduce_sum':
    case 'reduce_max':
    case 'reduce_min':
      return reduction(env, e, idx)
    case 'reduce':
      return fold(env, e, idx)
    case 'scan':
      return scan(env, e, idx)
    case 'matmul': {
      const [m, k] = inShape(0).slice(-2)
      void m
      const batch = idx.slice(0, -2)
      const [i, j] = idx.slice(-2)
      return sumLoop(b, k, (kk) => bin('mul', at(0, [...batch, i, kk]), at(1, [...batch, kk, j])))
    }
    case 'cdist': {
      const d = inShape(0)[inShape(0).length - 1]
      const batch = idx.slice(0, -2)
      const [i, j] = idx.slice(-2)
      const s = sumLoop(b, d, (c) => {
        const t = b.bind(sub(at(0, [...batch, i, c]), at(1, [...batch, j, c])))
        return bin('mul', t, t)
      })
      return p.squared ? s : un('sqrt', add(s, num(p.eps)))
    }
    case 'conv2d':
      return conv(env, e, idx)
    case 'conv2d_grad_input':
      return convGradInput(env, e, idx)
    case 'conv2d_grad_filter':
      return convGradFilter(env, e, idx)
    case 'patches':
      return patchElement(b, (ix) => at(0, ix), inShape(0), p as PatchParams, idx)
    case 'col2im':
      return col2imElement(b, (ix) => at(0, ix), inShape(0), p as Col2imParams, idx)
    case 'scatter_add': {
      const idxShape = inShape(0)
      const n = idxShape.reduce((x, y) => x * y, 1)
      const rest = idx.slice(1)
      return sumLoop(b, n, (f) => {
        const r = clampIndex(at(0, unflatten(f, idxShape)), p.rows)
        return { k: 'sel', c: bin('eq', r, idx[0]), a: at(1, [...unflatten(f, idxShape), ...rest]), b: num(0) }
      })
    }
  }
  if (e.inputs.length === 1 && isUnary(e.prim)) return un(e.prim, at(0, idx))
  if (e.inputs.length === 2) return bin(e.prim, at(0, idx), at(1, idx))
  throw new Error(`internal: no element code for '${e.prim}'`)
}

const isUnary = (prim: string) => prim in UNARY

/** Σ over a constant-bound loop of `term(k)`. */
function sumLoop(b: BodyBuilder, n: number, term: (k: KExpr) => KExpr): KExpr {
  const acc = b.declare(num(0))
  b.loop(n, (k) => b.emit({ k: 'set', name: acc, value: bin('add', ref(acc), term(k)) }))
  return ref(acc)
}

/** Translate a scalar-lambda body; `input(i)` gives operand i, `idx` the output indices. */
export function scalarCode(e: ScalarExpr, input: (i: number) => KExpr, idx: KExpr[]): KExpr {
  const go = (e: ScalarExpr): KExpr => {
    switch (e.k) {
      case 'in':
        return input(e.i)
      case 'idx':
        return idx[e.axis]
      case 'const':
        return num(e.v)
      case 'un':
        return un(e.op, go(e.a))
      case 'bin':
        return bin(e.op, go(e.a), go(e.b))
      case 'sel':
        return { k: 'sel', c: go(e.c), a: go(e.a), b: go(e.b) }
      case 'cast':
        return e.dtype === 'bool' ? bin('ne', go(e.a), num(0)) : e.dtype === 'i32' ? un('trunc', go(e.a)) : go(e.a)
    }
  }
  return go(e)
}

/**
 * Σ exp(x − max x) over the same axes (the softmax normalizer): recognized through the broadcast
 * of the max, so one online loop (a running max rescales the running sum) computes it without
 * reading the max first. The sum then no longer depends on the max, and the two can share a launch.
 * Where the max is stored anyway and the two never share a launch (env.readStoredMax), the plain
 * sum reading it is cheaper, and is what gets built.
 * The loop's final running max is the max itself: a logsumexp built in the same kernel reuses it.
 */
function softmaxNormalizer(env: ElementEnv, e: Eqn): { logits: Var; max: Var } | undefined {
  const inlineProducer = (a: Atom | undefined, prim: string[]) =>
    a && a.kind === 'var' && env.source(a).kind === 'inline' && prim.includes(env.producer(a.id)?.prim ?? '')
      ? env.producer(a.id)
      : undefined
  const ex = inlineProducer(e.inputs[0], ['exp'])
  const diff = inlineProducer(ex?.inputs[0], ['sub'])
  if (!diff) return undefined
  const [x, shifted] = diff.inputs
  let m: Atom | undefined = shifted
  for (let guard = 0; m && m.kind === 'var' && guard < 8; guard++) {
    const p = env.producer(m.id)
    if (!p) return undefined
    if (p.prim === 'reduce_max') {
      // a stored max is read instead: one exp per element, no running rescale
      if (env.readStoredMax && env.source(p.outputs[0]).kind === 'buffer') return undefined
      return x.kind === 'var' &&
        p.inputs[0].kind === 'var' &&
        p.inputs[0].id === x.id &&
        String(p.params.axes) === String(e.params.axes)
        ? { logits: x, max: p.outputs[0] }
        : undefined
    }
    if (!['broadcast', 'reshape', 'stop_gradient'].includes(p.prim)) return undefined
    m = p.inputs[0]
  }
  return undefined
}

/** Loops over the reduced axes (as one flat loop when there are several). */
function reduction(env: ElementEnv, e: Eqn, idx: KExpr[]): KExpr {
  const { b } = env
  const x = e.inputs[0] as Var
  const axes = e.params.axes as number[]
  const sizes = axes.map((a) => x.shape[a])
  const n = sizes.reduce((s, d) => s * d, 1)
  const fullIndex = (k: KExpr, of: Var) => {
    const inner = axes.length === 1 ? [k] : unflatten(k, sizes)
    const full: KExpr[] = []
    let kept = 0
    for (let i = 0; i < of.shape.length; i++) full.push(axes.includes(i) ? inner[axes.indexOf(i)] : idx[kept++])
    return full
  }
  const online = e.prim === 'reduce_sum' ? softmaxNormalizer(env, e) : undefined
  if (online) {
    const { logits } = online
    const m = b.declare(num(-Infinity), 'max')
    const s = b.declare(num(0), 'sum')
    b.loop(n, (k) => {
      const v = b.bind(elem(env, logits, fullIndex(k, logits)))
      b.when(
        bin('gt', v, ref(m)),
        () => {
          b.emit({ k: 'set', name: s, value: add(bin('mul', ref(s), un('exp', sub(ref(m), v))), num(1)) })
          b.emit({ k: 'set', name: m, value: v })
        },
        () => b.emit({ k: 'set', name: s, value: add(ref(s), un('exp', sub(v, ref(m)))) }),
      )
    })
    // the running max is the max: a logsumexp (max + log Σ) in this kernel needs no second loop
    b.remember(elementKey(online.max, idx), ref(m))
    return ref(s)
  }
  const op = e.prim === 'reduce_sum' ? 'add' : e.prim === 'reduce_max' ? 'max' : 'min'
  const acc = b.declare(num(op === 'add' ? 0 : op === 'max' ? -Infinity : Infinity))
  b.loop(n, (k) => b.emit({ k: 'set', name: acc, value: bin(op, ref(acc), elem(env, x, fullIndex(k, x))) }))
  return ref(acc)
}

function foldBody(env: ElementEnv, e: Eqn, acc: string, x: Var, full: KExpr[]): KExpr {
  return scalarCode(
    e.params.body as ScalarExpr,
    (i) => (i === 0 ? ref(acc) : i === 1 ? elem(env, x, full) : elem(env, e.inputs[i - 1], [])),
    [],
  )
}

function fold(env: ElementEnv, e: Eqn, idx: KExpr[]): KExpr {
  const { b } = env
  const x = e.inputs[0] as Var
  const axis = e.params.axis as number
  const acc = b.declare(num(e.params.init as number))
  b.loop(x.shape[axis], (k) => {
    const full = [...idx.slice(0, axis), k, ...idx.slice(axis)]
    b.emit({ k: 'set', name: acc, value: foldBody(env, e, acc, x, full) })
  })
  return ref(acc)
}

/** out[…, j, …] = the accumulator after step j: a loop over the whole axis that stops counting past j. */
function scan(env: ElementEnv, e: Eqn, idx: KExpr[]): KExpr {
  const { b } = env
  const x = e.inputs[0] as Var
  const axis = e.params.axis as number
  const n = x.shape[axis]
  const acc = b.declare(num(e.params.init as number))
  b.loop(n, (k) => {
    const step = e.params.reverse ? sub(num(n - 1), k) : k
    const full = idx.map((v, i) => (i === axis ? step : v))
    const live = e.params.reverse ? bin('ge', step, idx[axis]) : bin('le', step, idx[axis])
    b.when(live, () => b.emit({ k: 'set', name: acc, value: foldBody(env, e, acc, x, full) }))
  })
  return ref(acc)
}

function conv(env: ElementEnv, e: Eqn, idx: KExpr[]): KExpr {
  const { b } = env
  const [x, w] = e.inputs as Var[]
  const [, c, h, wd] = x.shape
  const [, , kh, kw] = w.shape
  const { stride, padding } = e.params as { stride: number[]; padding: number[] }
  const [n, o, y, xx] = idx
  const acc = b.declare(num(0))
  b.loop(c * kh * kw, (t) => {
    const [ic, dy, dx] = unflatten(t, [c, kh, kw])
    const iy = b.bind(add(mulN(y, stride[0]), sub(dy, num(padding[0]))))
    const ix = b.bind(add(mulN(xx, stride[1]), sub(dx, num(padding[1]))))
    const inside = and(and(bin('ge', iy, num(0)), lt(iy, num(h))), and(bin('ge', ix, num(0)), lt(ix, num(wd))))
    b.when(inside, () =>
      b.emit({
        k: 'set',
        name: acc,
        value: bin('add', ref(acc), bin('mul', elem(env, x, [n, ic, iy, ix]), elem(env, w, [o, ic, dy, dx]))),
      }),
    )
  })
  return ref(acc)
}

/** ∂/∂x of a convolution: x[b, ic, iy, ix] gathers ct[b, oc, y, x] · w[oc, ic, dy, dx] over taps that hit it. */
function convGradInput(env: ElementEnv, e: Eqn, idx: KExpr[]): KExpr {
  const { b } = env
  const [ct, w] = e.inputs as Var[]
  const [, o, oh, ow] = ct.shape
  const [, , kh, kw] = w.shape
  const { stride, padding } = e.params as { stride: number[]; padding: number[] }
  const [n, ic, iy, ix] = idx
  const acc = b.declare(num(0))
  b.loop(o * kh * kw, (t) => {
    const [oc, dy, dx] = unflatten(t, [o, kh, kw])
    const ny = b.bind(sub(add(iy, num(padding[0])), dy))
    const nx = b.bind(sub(add(ix, num(padding[1])), dx))
    const y = idiv(ny, stride[0])
    const x = idiv(nx, stride[1])
    const hits = and(
      and(and(bin('ge', ny, num(0)), lt(ny, num(oh * stride[0]))), bin('eq', imod(ny, stride[0]), num(0))),
      and(and(bin('ge', nx, num(0)), lt(nx, num(ow * stride[1]))), bin('eq', imod(nx, stride[1]), num(0))),
    )
    b.when(hits, () =>
      b.emit({
        k: 'set',
        name: acc,
        value: bin('add', ref(acc), bin('mul', elem(env, ct, [n, oc, y, x]), elem(env, w, [oc, ic, dy, dx]))),
      }),
    )
  })
  return ref(acc)
}

/** ∂/∂w of a convolution: w[oc, ic, dy, dx] = Σ over batch and output positions of ct · x. */
function convGradFilter(env: ElementEnv, e: Eqn, idx: KExpr[]): KExpr {
  const { b } = env
  const [x, ct] = e.inputs as Var[]
  const [, , h, wd] = x.shape
  const [nb, , oh, ow] = ct.shape
  const { stride, padding } = e.params as { stride: number[]; padding: number[] }
  const [oc, ic, dy, dx] = idx
  const acc = b.declare(num(0))
  b.loop(nb * oh * ow, (t) => {
    const [n, y, xx] = unflatten(t, [nb, oh, ow])
    const iy = b.bind(add(mulN(y, stride[0]), sub(dy, num(padding[0]))))
    const ix = b.bind(add(mulN(xx, stride[1]), sub(dx, num(padding[1]))))
    const inside = and(and(bin('ge', iy, num(0)), lt(iy, num(h))), and(bin('ge', ix, num(0)), lt(ix, num(wd))))
    b.when(inside, () =>
      b.emit({
        k: 'set',
        name: acc,
        value: bin('add', ref(acc), bin('mul', elem(env, ct, [n, oc, y, xx]), elem(env, x, [n, ic, iy, ix]))),
      }),
    )
  })
  return ref(acc)
}
