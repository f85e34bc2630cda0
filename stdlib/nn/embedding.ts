import { dsl, gather, type Mat, type Shape, type Tensor, type Vec } from '../../dsl/index.js'

/** Embedding lookup: out[i, :] = table[idx[i], :], table [vocab, D], idx i32 [N]. */
export const embed = dsl((table: Mat, idx: Vec<'i32'>): Tensor<Shape> => gather(table, idx))
