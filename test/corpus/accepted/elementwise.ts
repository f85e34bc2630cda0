/** Elementwise operations: methods, free functions, comparisons, where, broadcasting. */
import {
  abs,
  add,
  atan2,
  ceil,
  cos,
  div,
  dsl,
  equal,
  exp,
  expm1,
  floor,
  greater,
  greaterEqual,
  less,
  lessEqual,
  log,
  log1p,
  maximum,
  minimum,
  mod,
  mul,
  neg,
  notEqual,
  pow,
  sign,
  sin,
  sqrt,
  square,
  sub,
  tanh,
  where,
  type Mat,
  type Vec,
  type f32,
} from '../../../dsl/index.js'

/** Every arithmetic method on two matrices of one shape. */
export const methods = dsl((x: Mat, y: Mat) => {
  const pos = y.abs().add(0.5)
  return [
    x.add(y),
    x.sub(y),
    x.mul(y),
    x.div(pos),
    pos.pow(x),
    x.maximum(y),
    x.minimum(y),
    x.neg(),
    x.exp(),
    pos.log(),
    pos.sqrt(),
    x.abs(),
  ]
})

/** The same operations as free functions, with plain numbers on either side. */
export const freeOps = dsl((x: Mat, y: Mat) => {
  const pos = add(abs(y), 0.25)
  return [
    sub(2, x),
    mul(x, 3),
    div(1, pos),
    pow(pos, 1.5),
    pow(2, x),
    maximum(x, 0),
    minimum(x, y),
    neg(exp(minimum(x, 1))),
    log(pos),
    sqrt(pos),
    square(x),
    sign(x),
    floor(x.mul(2)),
    ceil(x),
    tanh(x),
    sin(x),
    cos(y),
    log1p(pos),
    expm1(x.mul(0.5)),
    atan2(x, y),
    mod(x.mul(3), 2),
  ]
})

/** Comparisons (methods and free functions), logical combinators and where. */
export const compare = dsl((x: Mat, y: Mat) => {
  const fx = x.floor()
  const fy = y.floor()
  return [
    where(x.gt(y), x, y.mul(2)),
    where(x.lt(0), 0, x),
    where(less(x, y), -1, 1.5),
    x.le(y).astype('f32'),
    x.ge(0.5),
    fx.eq(fy),
    fx.ne(fy).astype('f32'),
    less(x, y).logicalAnd(greaterEqual(y, 0)).astype('f32'),
    lessEqual(x, -0.5).logicalOr(greater(x, 0.5)).logicalNot().astype('f32'),
    equal(fx, 0).astype('i32').add(notEqual(fy, 0).astype('i32')),
  ]
})

/** NumPy broadcasting: row vector + matrix, scalar parameter + matrix, [N,1] against [1,M]. */
export const broadcasting = dsl((x: Mat, row: Vec, col: Mat, s: f32) => {
  const m = row.shape[0]
  const t = s * s + 1
  return {
    rowPlus: x.add(row),
    rowTimes: row.mul(x),
    scaled: x.mul(s),
    shifted: x.add(2.5).sub(s),
    outer: col.sub(row.reshape([1, m])),
    outerVec: col.mul(row),
    centered: x.sub(x.mean(0)),
    normed: x.div(t),
  }
})
