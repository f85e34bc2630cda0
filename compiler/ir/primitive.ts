/**
 * The primitive registry: one entry per L1 primitive, the unit of extension. An entry holds
 * everything the compiler knows of its primitive: the shape/dtype rule, the reference semantics,
 * the parameter printer, the reverse-mode rule, how fusion treats it (`fusion`) and its element
 * code (`element`: the value of one output element inside a kernel). Its parameters are declared
 * beside it, in `PrimParams` (types.ts), so every name is checked where an equation is made.
 * Adding a primitive touches its own file, plus a backend emitter only for a new scalar operation.
 */
import type { AVal, Atom, DType, Eqn, PrimName, PrimParams, Var } from './types.js'
import type { NDArray, Precision } from './ndarray.js'
import type { ElementEnv } from '../kernel/element.js'
import type { KExpr } from '../kernel/types.js'
import { ShapeError } from './shape.js'
import type { ParamSchema } from './schema.js'

/**
 * How the fusion stage treats a primitive:
 * - `elementwise`: each output element from the same element of each input (fuses as an expression);
 * - `view`: the input's elements unchanged (reshape, copies): free, looked through;
 * - `movement`: re-indexes its inputs (transpose, slice, pad, concat, broadcast, gather);
 * - `loop`: its element code loops (reductions, contractions): a candidate for storing;
 * - `constant`: computed from nothing (iota, full);
 * - `host`: evaluated on the host by its reference semantics (counter-based random draws).
 */
export type FusionClass = 'elementwise' | 'view' | 'movement' | 'loop' | 'constant' | 'host'

/** An equation of primitive N, with its parameters typed. */
export type EqnOf<N extends PrimName> = Eqn & { prim: N; params: PrimParams[N] }

interface PrimitiveBase<N extends PrimName> {
  name: N
  /** Number of inputs, or 'variadic'. */
  arity: number | 'variadic'
  /** The kind of each parameter: a graph read back from disk is checked against it (schema.ts). */
  params: ParamSchema<PrimParams[N]>
  /** Output avals given input avals; throws ShapeError with a fix. */
  infer(inputs: AVal[], params: PrimParams[N]): AVal[]
  /** Reference semantics, in the given precision. */
  evaluate(inputs: NDArray[], params: PrimParams[N], precision: Precision): NDArray[]
  /** Parameters as printed between brackets; default prints every param. */
  printParams?(params: PrimParams[N]): string
  /** Always stored, never recomputed inside a reader (the reason, for --explain). */
  alwaysStored?: string
  /**
   * How many terms one output element sums or folds over (absent: 1, an elementwise or movement
   * op). Float32 error bounds grow with it (the tests' tolerances are scaled by √terms).
   */
  terms?(inputs: AVal[], params: PrimParams[N]): number
  /**
   * Reverse-mode rule: given the cotangent of each output (undefined = zero), emit equations
   * computing the cotangent of each input (undefined = zero or not differentiable).
   * Absent: the primitive is not differentiable (its inputs get no cotangent).
   */
  vjp?(ctx: VjpCtx, eqn: EqnOf<N>, cts: (Atom | undefined)[]): (Atom | undefined)[]
}

/** A primitive computed inside kernels: its element code at a symbolic output index. */
export interface ComputedPrimitive<N extends PrimName> extends PrimitiveBase<N> {
  fusion: Exclude<FusionClass, 'host'>
  element(env: ElementEnv, e: EqnOf<N>, idx: KExpr[]): KExpr
}

/** A primitive evaluated on the host by its reference semantics. */
export interface HostPrimitive<N extends PrimName> extends PrimitiveBase<N> {
  fusion: 'host'
}

export type Primitive<N extends PrimName = PrimName> = ComputedPrimitive<N> | HostPrimitive<N>

/** What a VJP rule may do: emit equations into the graph being built. */
export interface VjpCtx {
  emit<N extends PrimName>(prim: N, inputs: Atom[], params?: PrimParams[N]): Var
}

const registry = new Map<PrimName, Primitive<any>>()

export function definePrimitive<N extends PrimName>(p: Primitive<N>): Primitive<N> {
  if (registry.has(p.name)) throw new Error(`primitive ${p.name} registered twice`)
  registry.set(p.name, p)
  return p
}

/** The registry entry of a primitive (generic code sees its parameters untyped). */
export function primitive(name: PrimName): Primitive<any> {
  const p = registry.get(name)
  if (!p) throw new Error(`unknown primitive '${name}'`)
  return p
}

export const isPrimitive = (name: string): name is PrimName => registry.has(name as PrimName)
export const allPrimitives = (): Primitive<any>[] => [...registry.values()]
/** How fusion treats the producer of an equation. */
export const fusionClass = (prim: PrimName): FusionClass => primitive(prim).fusion
/** Does `e` apply primitive `name`? Narrows its parameters. */
export const is = <N extends PrimName>(e: Eqn | undefined, name: N): e is EqnOf<N> => e?.prim === name

export function expectArity(name: string, inputs: AVal[], n: number): void {
  if (inputs.length !== n)
    throw new ShapeError(`${name} takes ${n} operands, got ${inputs.length}`, `pass ${n} operands`)
}

export function expectDType(name: string, a: AVal, allowed: DType[], what = 'operand'): void {
  if (!allowed.includes(a.dtype))
    throw new ShapeError(
      `${name}: ${what} has dtype ${a.dtype}, expected ${allowed.join(' or ')}`,
      `convert it with .astype('${allowed[0]}')`,
    )
}
