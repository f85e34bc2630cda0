/** drift-dsl: what user code imports. */
export type { DType, Shape, f32, i32 } from './types.js'
export { Tensor, tensor, type Scalar, type Vec, type Mat, type T3, type T4, type Key } from './tensor.js'
export * from './ops.js'
export { dsl, dslAt, type DslFunction, type DslOptions, type Lowered } from './function.js'
export { setBackend, currentBackend, type BackendName } from '../compiler/runtime/backend.js'
