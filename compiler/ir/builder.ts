/** Builds an L1 graph equation by equation, checking every shape rule as it goes. */
import type { AVal, Atom, Eqn, Graph, Lit, SourceLoc, Var, DType, PrimName } from './types.js'
import { avalOf } from './types.js'
import { primitive } from './primitive.js'
import './prims/index.js'

export class GraphBuilder {
  private nextId = 0
  readonly inputs: Var[] = []
  readonly inputNames: string[] = []
  readonly eqns: Eqn[] = []

  newVar(aval: AVal): Var {
    return { kind: 'var', id: this.nextId++, shape: [...aval.shape], dtype: aval.dtype }
  }

  addInput(aval: AVal, name: string): Var {
    const v = this.newVar(aval)
    this.inputs.push(v)
    this.inputNames.push(name)
    return v
  }

  /** Append one equation; throws the primitive's ShapeError when the operands do not fit. */
  emit(prim: PrimName, inputs: Atom[], params: Record<string, unknown> = {}, loc?: SourceLoc): Var[] {
    const p = primitive(prim)
    if (p.arity !== 'variadic' && p.arity !== inputs.length)
      throw new Error(`internal: ${prim} takes ${p.arity} operands, got ${inputs.length}`)
    const outs = p.infer(inputs.map(avalOf), params).map((a) => this.newVar(a))
    this.eqns.push({ prim, inputs, params, outputs: outs, ...(loc ? { loc } : {}) })
    return outs
  }

  emit1(prim: PrimName, inputs: Atom[], params: Record<string, unknown> = {}, loc?: SourceLoc): Var {
    return this.emit(prim, inputs, params, loc)[0]
  }

  build(outputs: Atom[]): Graph {
    return { inputs: this.inputs, eqns: this.eqns, outputs, inputNames: this.inputNames }
  }
}

export const lit = (value: number, dtype: DType = 'f32'): Lit => ({ kind: 'lit', value, dtype })
