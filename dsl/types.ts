/** Types of the DSL surface: shapes and dtypes live in the TypeScript types. */

export type DType = 'f32' | 'i32' | 'bool'
export type Shape = readonly number[]

/** A shape with its rank reduced by one (the sizes are not tracked, the rank is). */
export type Drop1<S extends Shape> = S extends readonly [number, ...infer R extends number[]] ? R : number[]
/** A shape of the same rank as the tuple of sizes R. */
export type ShapeOf<R extends readonly number[]> = { -readonly [K in keyof R]: number }

/** A scalar parameter of a DSL function (traced: changing it never recompiles). */
export type f32 = number
export type i32 = number
