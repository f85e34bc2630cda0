/**
 * Limits on partial evaluation. The frontend runs the user's static loops, calls and array code at
 * compile time; these bounds make a runaway program (a huge loop, exponential recursion, an array
 * doubled forty times, an expression nested thousands deep) stop within seconds with a D111
 * diagnostic naming the construct, instead of running for minutes, exhausting memory or the stack.
 */
import { Node } from 'ts-morph'
import { fail } from './diagnostics.js'

/** Nesting of brackets and of syntax-tree levels in one source file (real code stays under 40). */
export const MAX_NESTING = 256
/** Expressions and statements being evaluated at once, across inlined calls (real code: under 30). */
export const MAX_EVAL_DEPTH = 512
/** Inlined calls in progress at once: deeper means recursion. */
export const MAX_CALL_DEPTH = 64
/** Iterations of one static loop. */
export const MAX_UNROLL = 100_000

/**
 * The default budget of one specialization, over all its loops, calls and lambdas together. The
 * largest programs of the stdlib and the tests use under 5,000 steps, 2,000 elements and 1,200
 * equations. DRIFT_EVAL_BUDGET multiplies all three.
 */
export const BUDGET = {
  /** Expressions and statements evaluated. */
  steps: 1_000_000,
  /** Equations in the graph (including those autodiff adds). */
  equations: 100_000,
  /** Elements of static arrays and characters of strings created. */
  elements: 1_000_000,
}

/** The factor DRIFT_EVAL_BUDGET sets (default 1); undefined when it is not a positive number. */
export function budgetFactor(value = process.env.DRIFT_EVAL_BUDGET): number | undefined {
  if (value === undefined || value.trim() === '') return 1
  const k = Number(value)
  return Number.isFinite(k) && k > 0 ? k : undefined
}

/** A count as messages show it: 2,000,000. */
export const count = (n: number) => n.toLocaleString('en-US')

const isLoop = (n: Node) => Node.isForStatement(n) || Node.isForOfStatement(n)

/** The work a specialization has done so far, and the static loops and inlined calls running now. */
export class Work {
  private steps = 0
  private elements = 0
  private depth = 0
  private readonly running: Node[] = []
  /** The node entered last: where a stack overflow is reported. */
  last: Node | undefined
  private readonly budget: typeof BUDGET

  constructor(
    private readonly equations: () => number,
    factor = 1,
  ) {
    this.budget = {
      steps: Math.round(BUDGET.steps * factor),
      equations: Math.round(BUDGET.equations * factor),
      elements: Math.round(BUDGET.elements * factor),
    }
  }

  /** Start evaluating an expression or statement (one step); `leave` when it is done. */
  enter(node: Node): void {
    this.last = node
    if (++this.depth > MAX_EVAL_DEPTH)
      fail(
        'D111',
        node,
        `evaluation nests more than ${count(MAX_EVAL_DEPTH)} expressions and statements deep, across inlined calls`,
        'split deeply nested expressions into const bindings, and long call chains into a static loop',
      )
    if (++this.steps > this.budget.steps)
      this.exceeded(`${count(this.budget.steps)} steps (expressions and statements evaluated)`, node)
    if (this.equations() > this.budget.equations) this.exceeded(`${count(this.budget.equations)} equations`, node)
  }

  leave(): void {
    this.depth--
  }

  /** `n` static array elements or string characters were created at `node`. */
  created(n: number, node: Node): void {
    this.elements += n
    if (this.elements > this.budget.elements)
      this.exceeded(`${count(this.budget.elements)} static array elements and string characters`, node, true)
  }

  /** Run a static loop or an inlined call: the construct a budget diagnostic names. */
  within<T>(construct: Node, f: () => T): T {
    this.running.push(construct)
    try {
      return f()
    } finally {
      this.running.pop()
    }
  }

  /** Report at the outermost loop or call running (the construct to rewrite), else at `node`. */
  private exceeded(what: string, node: Node, data = false): never {
    const outer = this.running[0] ?? node
    const inner = [...this.running].reverse().find(isLoop)
    const subject = isLoop(outer) ? 'of this static loop ' : this.running.length ? 'of this call ' : ''
    const innerAt =
      inner && inner !== outer ? `; the innermost loop running is at line ${inner.getStartLineNumber()}` : ''
    const fix = data
      ? 'static arrays and strings are for short lists (layers, temperatures, names): build large data as tensors (iota, generate, zeros)'
      : isLoop(outer)
        ? 'a static loop is unrolled at compile time: compute the repetition with tensor operations (map, generate, reduce, a sum over a stacked axis) instead'
        : 'every call is inlined at compile time: compute with tensor operations rather than with many or repeated calls'
    return fail(
      'D111',
      outer,
      `partial evaluation ${subject}exceeds the budget of ${what}${innerAt}`,
      `${fix}; a program meant to be this large can multiply the budget: DRIFT_EVAL_BUDGET=4`,
    )
  }
}
