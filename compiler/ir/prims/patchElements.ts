/**
 * Element code of `patches` and `col2im` (patches.ts). Both run on a grid of
 * planes [z, y, x]: the plane and the filter tap come from z (one per tile), so along x and y the
 * loads are affine in the thread ids — vector loads at stride 1, immediate offsets otherwise —
 * and the padding tests differ between the cells of a tile only along the border.
 */
import type { KExpr } from '../../kernel/types.js'
import { BodyBuilder, add, idiv, imod, mulN, num, ref, sub, unflatten } from '../../kernel/build.js'
import { windows, type Col2imParams, type PatchParams } from './patches.js'

const bin = (op: string, a: KExpr, b: KExpr): KExpr => ({ k: 'bin', op, a, b })
const all = (cs: KExpr[]): KExpr | undefined =>
  cs.reduce<KExpr | undefined>((acc, c) => (acc ? bin('and', acc, c) : c), undefined)

/** The fraction of (tap, output) pairs along one axis whose input lies inside 0 … n − 1. */
function insideFraction(n: number, out: number, k: number, s: number, p: number): number {
  let inside = 0
  for (let d = 0; d < k; d++) for (let o = 0; o < out; o++) inside += o * s + d - p >= 0 && o * s + d - p < n ? 1 : 0
  return inside / (k * out)
}

/**
 * patches at [z, oy, ox]: x[b, oy·sy + dy − py, ox·sx + dx − px] with (b, dy, dx) from z, or 0
 * in the padding. `read` loads x [B, H, W] at an index.
 */
export function patchElement(
  b: BodyBuilder,
  read: (idx: KExpr[]) => KExpr,
  x: number[],
  p: PatchParams,
  idx: KExpr[],
): KExpr {
  const [planes, h, w] = x
  const [kh, kw] = p.kernel
  const [z, oy, ox] = idx
  const [plane, dy, dx] = unflatten(z, [planes, kh, kw])
  const [oh, ow] = [windows(h, kh, p.stride[0], p.padding[0]), windows(w, kw, p.stride[1], p.padding[1])]
  const iy = b.bind(add(mulN(oy, p.stride[0]), sub(dy, num(p.padding[0]))))
  const ix = b.bind(add(mulN(ox, p.stride[1]), sub(dx, num(p.padding[1]))))
  const rowInside = all(bounds(iy, h, p.padding[0], (oh - 1) * p.stride[0] + kh - 1 - p.padding[0]))
  const columnInside = all(bounds(ix, w, p.padding[1], (ow - 1) * p.stride[1] + kw - 1 - p.padding[1]))
  if (!rowInside && !columnInside) return read([plane, iy, ix])
  const out = b.declare(num(0), 'patch')
  const weight =
    insideFraction(h, oh, kh, p.stride[0], p.padding[0]) * insideFraction(w, ow, kw, p.stride[1], p.padding[1])
  // the row's test, then the columns': a plain branch where the whole tile agrees
  guarded(b, [rowInside, columnInside], () => b.emit({ k: 'set', name: out, value: read([plane, iy, ix]) }), weight)
  return ref(out)
}

/** The tests keeping i (which runs from −lowest to highest) inside 0 … n − 1: none where it cannot leave. */
function bounds(i: KExpr, n: number, lowest: number, highest: number): KExpr[] {
  return [...(lowest > 0 ? [bin('ge', i, num(0))] : []), ...(highest >= n ? [bin('lt', i, num(n))] : [])]
}

/** `body` under the tests that are given, outermost first. */
function guarded(b: BodyBuilder, tests: (KExpr | undefined)[], body: () => void, weight: number): void {
  const [first, ...rest] = tests
  if (tests.length === 0) return body()
  if (!first) return guarded(b, rest, body, weight)
  b.when(first, () => guarded(b, rest, body, 1), undefined, weight)
}

/** The fraction of (input, j) pairs along one axis for which col2im's j-th tap exists. */
function tapFraction(n: number, out: number, k: number, s: number, pad: number): number {
  const taps = Math.ceil(k / s)
  let hits = 0
  for (let i = 0; i < n; i++)
    for (let j = 0; j < taps; j++) {
      const [d, o] = [((i + pad) % s) + j * s, Math.floor((i + pad) / s) - j]
      hits += d < k && o >= 0 && o < out ? 1 : 0
    }
  return hits / (n * taps)
}

/**
 * col2im at [z, my, mx], z = (b·sy + ry)·sx + rx: pixel (iy, ix) = (my·sy + ry, mx·sx + rx) of plane
 * b. Along one axis, with q = i + pad, the taps d ≡ q (mod s) reach pixel i, the j-th of them
 * d = q mod s + j·s from output q / s − j; q mod s and q / s − my depend on the phase alone, so
 * every pixel of a phase plane sums the same taps, at outputs affine in (my, mx). Pixels past
 * H × W (the last row or column of a phase) are 0. `read` loads cols [B·KH·KW, OH, OW] at an index.
 */
export function col2imElement(
  b: BodyBuilder,
  read: (idx: KExpr[]) => KExpr,
  cols: number[],
  p: Col2imParams,
  idx: KExpr[],
): KExpr {
  const [taps, oh, ow] = cols
  const [kh, kw] = p.kernel
  const [sy, sx] = p.stride
  const [h, w] = p.size
  const [z, my, mx] = idx
  const [plane, ry, rx] = unflatten(z, [taps / (kh * kw), sy, sx])
  const acc = b.declare(num(0), 'col')
  /** Along one axis: the tap, the output, the tests that the tap exists (one per phase) and that the output does. */
  const axis = (m: KExpr, r: KExpr, j: KExpr, s: number, pad: number, n: number, out: number, k: number) => {
    const phase = add(r, num(pad))
    const d = b.bind(add(imod(phase, s), mulN(j, s)))
    const o = b.bind(sub(add(m, idiv(phase, s)), j))
    const last = Math.ceil(n / s)
    const inside = [
      ...bounds(o, out, Math.ceil(k / s) - 1 - Math.floor(pad / s), last - 1 + Math.floor((s - 1 + pad) / s)),
      ...(last * s === n ? [] : [bin('lt', add(mulN(m, s), r), num(n))]),
    ]
    return { d, o, tap: k % s === 0 ? [] : [bin('lt', d, num(k))], inside }
  }
  const weight = tapFraction(h, oh, kh, sy, p.padding[0]) * tapFraction(w, ow, kw, sx, p.padding[1])
  b.loop(Math.ceil(kh / sy), (jy) =>
    b.loop(
      Math.ceil(kw / sx),
      (jx) => {
        const y = axis(my, ry, jy, sy, p.padding[0], h, oh, kh)
        const x = axis(mx, rx, jx, sx, p.padding[1], w, ow, kw)
        const tap = add(mulN(add(mulN(plane, kh), y.d), kw), x.d)
        const term = () => b.emit({ k: 'set', name: acc, value: bin('add', ref(acc), read([tap, y.o, x.o])) })
        // tests of the tile's phase, then of its row, then of its columns: each a plain branch
        // where the whole tile agrees, so only the columns along a border run under a mask
        guarded(b, [all([...y.tap, ...x.tap]), all(y.inside), all(x.inside)], term, weight)
      },
      'tap',
    ),
  )
  return ref(acc)
}
