/** Shape and movement operations, creation operations and gather. */
import {
  concat,
  dsl,
  expandDims,
  eye,
  full,
  gather,
  iota,
  ones,
  onesLike,
  reshape,
  slice,
  split,
  squeeze,
  stack,
  transpose,
  zeros,
  zerosLike,
  type Mat,
  type T3,
  type Vec,
} from '../../../dsl/index.js'

export const reshapes = dsl((x: Mat, t: T3) => {
  const [n, m] = x.shape
  return [
    x.reshape([n * m]),
    x.reshape([m, -1]),
    reshape(x, [2, -1, 2]),
    t.transpose([2, 0, 1]),
    t.T,
    transpose(x),
    x.T,
    x.expandDims(0),
    expandDims(x, 2),
    squeeze(x.reshape([1, n, 1, m])),
    x.reshape([n, 1, m]).squeeze(1),
    x.sum(0, true).broadcastTo([3, m]),
  ]
})

export const slicing = dsl((x: Mat) => [
  slice(x, 0, 1, 3),
  x.slice(1, -2),
  x.slice(-1, 2, -1),
  x.slice(0, -2),
  concat([x.slice(0, 0, 1), x], 0),
  concat([x, x.mul(2), x.slice(1, 0, 2)], 1),
  concat([x.slice(0, 0, 2), x.slice(0, 3)], -2),
])

export const splits = dsl((x: Mat) => {
  const [a, b, c] = split(x, 3)
  const [l, mid, r] = x.split([2, 5], 1)
  return {
    stacked0: stack([a, b, c]),
    stacked1: stack([a, c], 1),
    stackedLast: stack([b, c], -1),
    l,
    mid: mid.mul(2),
    r,
    half: x.split(2, 1)[1],
  }
})

export const creation = dsl((x: Mat) => {
  const [n, m] = x.shape
  return [
    iota([n, m], 1).astype('f32').mul(x),
    iota(n),
    iota([n, m], 0, 'f32'),
    eye(n),
    eye(n, m).mul(x),
    zeros([n, m]).add(x),
    ones([m]).add(x),
    full([n, m], 2.5).sub(x),
    zerosLike(x),
    onesLike(x),
    full([2], 7, 'i32'),
    x.add(eye(n, m, 'f32')),
    iota([n, m], -1),
  ]
})

export const gathers = dsl((table: Mat, idx: Vec<'i32'>, idx2: Mat<'i32'>, t3: T3) => [
  gather(table, idx),
  table.gather(idx2),
  gather(table, idx).sum(0),
  gather(table, iota([3]).mul(2)),
  gather(t3, idx2),
])
