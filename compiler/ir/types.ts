/** L1: a typed ANF graph. Plain data, so it serializes to JSON for the on-disk cache. */

export type DType = 'f32' | 'i32' | 'bool'

/** A position in the user's source, 1-based line and column. */
export interface SourceLoc {
  file: string
  line: number
  col: number
}

/** Abstract value: what the compiler knows about a tensor before it runs. */
export interface AVal {
  shape: number[]
  dtype: DType
}

export interface Var extends AVal {
  kind: 'var'
  id: number
}

/** A rank-0 constant written inline in an equation. */
export interface Lit {
  kind: 'lit'
  value: number
  dtype: DType
}

export type Atom = Var | Lit

/**
 * The parameters of every primitive, by name. Each primitive's file declares its own entry beside
 * its definition (`declare module '../types.js' { interface PrimParams { cdist: CdistParams } }`),
 * so the names are one typed set wherever an equation is made.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PrimParams {}
export type PrimName = keyof PrimParams & string
/** The parameters of a primitive without any. */
export type NoParams = Record<string, never>

export interface Eqn {
  prim: PrimName
  inputs: Atom[]
  params: Record<string, unknown>
  outputs: Var[]
  loc?: SourceLoc
}

/** How a flat list of leaves is arranged into the user's nested objects and arrays. */
export type TreeDef =
  | { kind: 'leaf' }
  | { kind: 'array'; items: TreeDef[] }
  | { kind: 'object'; keys: string[]; items: TreeDef[] }
  | { kind: 'static'; value: unknown }

export interface Graph {
  inputs: Var[]
  eqns: Eqn[]
  outputs: Atom[]
  /** Names of the inputs as the user wrote them (`x`, `params.w1`), for printing. */
  inputNames?: string[]
}

export const isVar = (a: Atom): a is Var => a.kind === 'var'
export const avalOf = (a: Atom): AVal =>
  a.kind === 'var' ? { shape: a.shape, dtype: a.dtype } : { shape: [], dtype: a.dtype }
