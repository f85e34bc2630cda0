/**
 * The primitive registry: one entry per L1 primitive, holding its shape/dtype rule,
 * its parameter printer and its reference semantics. Later stages (autodiff, fusion)
 * add their rules to the same entries.
 */
import type { AVal, Atom, DType, Eqn, Var } from './types.js'
import type { NDArray, Precision } from './ndarray.js'
import { ShapeError } from './shape.js'

export interface Primitive<P = Record<string, unknown>> {
  name: string
  /** Number of inputs, or 'variadic'. */
  arity: number | 'variadic'
  /** Output avals given input avals; throws ShapeError with a fix. */
  infer(inputs: AVal[], params: P): AVal[]
  /** Reference semantics, in the given precision. */
  evaluate(inputs: NDArray[], params: P, precision: Precision): NDArray[]
  /** Parameters as printed between brackets; default prints every param. */
  printParams?(params: P): string
  /** True when each output element depends only on the same element of each input. */
  elementwise?: boolean
  /**
   * Reverse-mode rule: given the cotangent of each output (undefined = zero), emit equations
   * computing the cotangent of each input (undefined = zero or not differentiable).
   * Absent: the primitive is not differentiable (its inputs get no cotangent).
   */
  vjp?(ctx: VjpCtx, eqn: Eqn & { params: P }, cts: (Atom | undefined)[]): (Atom | undefined)[]
}

/** What a VJP rule may do: emit equations into the graph being built. */
export interface VjpCtx {
  emit(prim: string, inputs: Atom[], params?: Record<string, unknown>): Var
}

const registry = new Map<string, Primitive<any>>()

export function definePrimitive<P>(p: Primitive<P>): Primitive<P> {
  if (registry.has(p.name)) throw new Error(`primitive ${p.name} registered twice`)
  registry.set(p.name, p)
  return p
}

export function primitive(name: string): Primitive<any> {
  const p = registry.get(name)
  if (!p) throw new Error(`unknown primitive '${name}'`)
  return p
}

export const allPrimitives = (): Primitive<any>[] => [...registry.values()]

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
