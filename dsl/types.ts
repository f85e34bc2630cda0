/** Types of the DSL surface: shapes and dtypes live in the TypeScript types. */

export type DType = 'f32' | 'i32' | 'bool'
export type Shape = readonly number[]

/** A shape with its rank reduced by one (the sizes are not tracked, the rank is). */
export type Drop1<S extends Shape> = S extends readonly [number, ...infer R extends number[]] ? R : number[]
/** A shape of the same rank as the tuple of sizes R. */
export type ShapeOf<R extends readonly number[]> = { -readonly [K in keyof R]: number }

/**
 * The shape of an elementwise result of operands of shapes A and B (broadcasting): the other's when
 * one is rank 0, the longer one's when both ranks are known (sizes of 1 broadcast, ranks line up
 * from the right), else a shape of unknown rank.
 */
export type Broadcast<A extends Shape, B extends Shape> = A extends readonly []
  ? B
  : B extends readonly []
    ? A
    : number extends A['length']
      ? Shape
      : number extends B['length']
        ? Shape
        : A extends readonly [...ShapeOf<B>, ...number[]]
          ? A
          : B

/** A scalar parameter of a DSL function (traced: changing it never recompiles). */
export type f32 = number
export type i32 = number
