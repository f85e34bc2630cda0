/**
 * The partial evaluator: walks DSL source with ts-morph, folds everything static (numbers,
 * shapes, loops, branches on static values, calls into other DSL functions) and emits L1
 * equations for tensor work. What it cannot fold or emit is rejected with a diagnostic.
 */
import {
  Node,
  SyntaxKind,
  type ArrowFunction,
  type FunctionDeclaration,
  type FunctionExpression,
  type SourceFile,
} from './tsMorph.js'
import type { PrimName, SourceLoc } from '../ir/types.js'
import { GraphBuilder } from '../ir/builder.js'
import { ShapeError } from '../ir/shape.js'
import type { ScalarExpr } from '../ir/scalar.js'
import { fail, locOf } from './diagnostics.js'
import { MAX_CALL_DEPTH, Work } from './limits.js'
import { checkSource } from './sourceChecks.js'
import { didYouMean } from './suggest.js'
import { ModuleEnv, isImpureModule } from './modules.js'
import { loadSourceFile } from './project.js'
import { Scope } from './scope.js'
import { Builtin, Closure, ModuleNamespace, Record_, ScalarSym, Tracer, describe, type Value } from './values.js'
import { applyBinary, applyUnary } from './tensorOps.js'
import { assign, bindPattern, execBody } from './statements.js'
import { applySelect, methodOf } from './builtins.js'
import { arrayMember } from './arrays.js'
import type { CustomRegion } from '../transforms/backprop.js'

const BINARY_TOKENS: Partial<Record<SyntaxKind, string>> = {
  [SyntaxKind.PlusToken]: 'add',
  [SyntaxKind.MinusToken]: 'sub',
  [SyntaxKind.AsteriskToken]: 'mul',
  [SyntaxKind.SlashToken]: 'div',
  [SyntaxKind.PercentToken]: 'mod',
  [SyntaxKind.AsteriskAsteriskToken]: 'pow',
  [SyntaxKind.LessThanToken]: 'lt',
  [SyntaxKind.LessThanEqualsToken]: 'le',
  [SyntaxKind.GreaterThanToken]: 'gt',
  [SyntaxKind.GreaterThanEqualsToken]: 'ge',
  [SyntaxKind.EqualsEqualsEqualsToken]: 'eq',
  [SyntaxKind.EqualsEqualsToken]: 'eq',
  [SyntaxKind.ExclamationEqualsEqualsToken]: 'ne',
  [SyntaxKind.ExclamationEqualsToken]: 'ne',
}

interface LambdaFrame {
  /** Captured outer scalars, in input order after the lambda's own arguments. */
  captures: Tracer[]
  firstCapture: number
}

export class Evaluator {
  readonly builder = new GraphBuilder()
  /** customVjp calls traced so far: autodiff uses their user-supplied adjoints. */
  readonly customRegions: CustomRegion[] = []
  /** Work done so far against the budget of one specialization. */
  readonly work: Work
  private readonly modules = new Map<string, ModuleEnv>()
  /** The operation being applied: its location (an operation's name) and the whole expression. */
  private site: { node: Node; expr: Node } | undefined
  private depth = 0
  private frames = 0
  private lambda: LambdaFrame | undefined

  /** `budgetFactor` multiplies the partial-evaluation budget (limits.ts). */
  constructor(budgetFactor = 1) {
    this.work = new Work(() => this.builder.eqns.length, budgetFactor)
  }

  moduleEnv(file: string | SourceFile): ModuleEnv {
    const sf = typeof file === 'string' ? loadSourceFile(file) : file
    const key = sf.getFilePath()
    let m = this.modules.get(key)
    if (!m) {
      checkSource(sf)
      this.modules.set(key, (m = new ModuleEnv(this, sf)))
    }
    return m
  }

  /** Every source file this specialization read: the on-disk cache keys on their contents. */
  files(): string[] {
    return [...this.modules.keys()]
  }

  newFrame(): number {
    return ++this.frames
  }

  get loc(): SourceLoc | undefined {
    return this.site ? locOf(this.site.node) : undefined
  }

  /** Run a shape computation; a ShapeError becomes a D201 diagnostic at the current operation. */
  checked<T>(f: () => T): T {
    try {
      return f()
    } catch (e) {
      if (e instanceof ShapeError && this.site) fail('D201', this.site.node, e.message, e.fix, this.site.expr)
      throw e
    }
  }

  emit1(prim: PrimName, inputs: Tracer[], params: Record<string, unknown> = {}): Tracer {
    return new Tracer(
      this.checked(() =>
        this.builder.emit1(
          prim,
          inputs.map((t) => t.atom),
          params,
          this.loc,
        ),
      ),
    )
  }

  emit(prim: PrimName, inputs: Tracer[], params: Record<string, unknown> = {}): Tracer[] {
    return this.checked(() =>
      this.builder.emit(
        prim,
        inputs.map((t) => t.atom),
        params,
        this.loc,
      ),
    ).map((v) => new Tracer(v))
  }

  /** Argument `i` of a call, or a D109 diagnostic when it is missing. */
  arg(args: Value[], i: number, call: Node, what = 'this operation'): Value {
    if (i >= args.length)
      fail(
        'D109',
        call,
        `${what} expects at least ${i + 1} argument(s), got ${args.length}`,
        'pass the missing arguments',
      )
    return args[i]
  }

  staticNumber(v: Value, node: Node, what: string): number {
    if (typeof v === 'number') return v
    if (v instanceof Tracer)
      fail(
        'D108',
        node,
        `${what} must be known at compile time, but it is a traced tensor${v.origin ? ` (parameter '${v.origin}')` : ''}`,
        v.origin
          ? `mark '${v.origin}' static: dsl(fn, { static: ['${v.origin}'] })`
          : 'compute it from shapes and constants, not from tensor values',
      )
    return fail('D108', node, `${what} must be a number known at compile time, got ${describe(v)}`, 'pass a number')
  }

  staticShape(v: Value, node: Node, what = 'shape'): number[] {
    if (typeof v === 'number') return [this.staticNumber(v, node, what)]
    if (!Array.isArray(v))
      fail(
        'D108',
        node,
        `${what} must be a list of sizes known at compile time, got ${describe(v)}`,
        'pass [rows, cols] with numbers or x.shape',
      )
    return v.map((d) => {
      const n = this.staticNumber(d, node, `${what} size`)
      if (!Number.isInteger(n) || n < -1) fail('D109', node, `${what} has size ${n}`, 'sizes are non-negative integers')
      return n
    })
  }

  // ---- scalar lambdas ----

  /** Inside a lambda body, an outer rank-0 tensor becomes an extra input of the lambda's equation. */
  captureScalar(t: Tracer, node: Node): ScalarExpr {
    const l = this.lambda
    if (!l) fail('D110', node, 'a scalar value is used outside a lambda', 'internal error')
    if (t.shape.length !== 0)
      fail(
        'D110',
        node,
        `a scalar lambda cannot read the whole tensor of shape [${t.shape.join(',')}]`,
        'pass it as an operand: zipWith(a, b, (x, y) => …)',
      )
    if (t.atom.kind === 'lit') return { k: 'const', v: t.atom.value, dtype: t.atom.dtype }
    let i = l.captures.indexOf(t)
    if (i < 0) i = l.captures.push(t) - 1
    return { k: 'in', i: l.firstCapture + i, dtype: t.dtype }
  }

  /** Evaluate a scalar lambda on symbolic arguments; returns its body and captured scalars. */
  lowerLambda(
    fn: Value,
    args: ScalarExpr[],
    firstCapture: number,
    call: Node,
  ): { body: ScalarExpr; captures: Tracer[] } {
    if (!(fn instanceof Closure || fn instanceof Builtin))
      fail('D109', call, `expected a lambda, got ${describe(fn)}`, 'pass an arrow function such as v => Math.exp(-v)')
    const saved = this.lambda
    const frame: LambdaFrame = { captures: [], firstCapture }
    this.lambda = frame
    try {
      const r = this.callValue(
        fn,
        args.map((a) => new ScalarSym(a)),
        call,
      )
      let body: ScalarExpr
      if (r instanceof ScalarSym) body = r.expr
      else if (typeof r === 'number' || typeof r === 'boolean')
        body = { k: 'const', v: +r, dtype: typeof r === 'boolean' ? 'bool' : 'f32' }
      else if (r instanceof Tracer && r.shape.length === 0) body = this.captureScalar(r, call)
      else
        return fail(
          'D110',
          call,
          `a scalar lambda must return a number, got ${describe(r)}`,
          'return an arithmetic expression of the arguments',
        )
      if (saved && frame.captures.length)
        fail(
          'D110',
          call,
          'a lambda nested inside another lambda captured a tensor',
          'move the inner map out of the lambda',
        )
      return { body, captures: frame.captures }
    } finally {
      this.lambda = saved
    }
  }

  get inLambda(): boolean {
    return this.lambda !== undefined
  }

  // ---- calls ----

  callValue(fn: Value, args: Value[], call: Node): Value {
    if (fn instanceof Builtin) return fn.fn(args, call)
    if (fn instanceof Closure) return this.callClosure(fn, args, call)
    return fail(
      'D106',
      call,
      `${describe(fn)} is not a function`,
      'call a DSL operation or a function defined in DSL source',
    )
  }

  private callClosure(fn: Closure, args: Value[], call: Node): Value {
    const node = fn.node
    if (!(Node.isArrowFunction(node) || Node.isFunctionExpression(node) || Node.isFunctionDeclaration(node)))
      return fail(
        'D101',
        call,
        'this kind of function is not supported',
        'use an arrow function or a function declaration',
      )
    if (node.isAsync() || (!Node.isArrowFunction(node) && node.isGenerator()))
      fail('D101', node, 'async functions and generators are not DSL code', 'write a plain synchronous function')
    if (++this.depth > MAX_CALL_DEPTH)
      fail(
        'D111',
        call,
        `calls nest deeper than ${MAX_CALL_DEPTH}: recursion is not supported`,
        'rewrite the recursion as a static loop',
      )
    try {
      const run = () => this.bindAndRun(fn, node, args)
      // an inlined call is a construct the budget names; the entry function itself is not
      return Node.isCallExpression(call) ? this.work.within(call, run) : run()
    } finally {
      this.depth--
    }
  }

  /** Bind a closure's parameters to `args` and evaluate its body. */
  private bindAndRun(
    fn: Closure,
    node: ArrowFunction | FunctionExpression | FunctionDeclaration,
    args: Value[],
  ): Value {
    const scope = fn.scope.child(this.newFrame())
    node.getParameters().forEach((p, i) => {
      if (p.isRestParameter()) return bindPattern(this, p.getNameNode(), args.slice(i), scope, false)
      let v = args[i]
      const init = p.getInitializer()
      if (v === undefined && init) {
        v = this.evalExpr(init, scope)
        if (fn.omitted) v = fn.omitted(i, v)
      }
      bindPattern(this, p.getNameNode(), v, scope, false)
    })
    const body = node.getBody()
    if (!body) return fail('D101', node, 'a function without a body', 'give the function a body')
    if (Node.isBlock(body)) return execBody(this, body.getStatements(), scope)
    return this.evalExpr(body as Node, scope)
  }

  // ---- expressions ----

  evalExpr(node: Node, scope: Scope): Value {
    const saved = this.site
    this.work.enter(node)
    try {
      return this.evalExprInner(node, scope)
    } finally {
      this.site = saved
      this.work.leave()
    }
  }

  /** The operation about to be applied: located at `node`, showing `expr` in diagnostics. */
  private at(node: Node, expr = node) {
    this.site = { node, expr }
  }

  private evalExprInner(node: Node, scope: Scope): Value {
    // not getLiteralValue(): ts-morph parseInt()s texts without '.', and TypeScript writes 1e-8 as '1e-8' (→ 1)
    if (Node.isNumericLiteral(node)) return Number(node.compilerNode.text)
    if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralValue()
    if (Node.isTrueLiteral(node)) return true
    if (Node.isFalseLiteral(node)) return false
    if (Node.isNullLiteral(node)) return null
    if (Node.isIdentifier(node)) return this.lookup(node.getText(), node, scope)
    if (
      Node.isParenthesizedExpression(node) ||
      Node.isAsExpression(node) ||
      Node.isNonNullExpression(node) ||
      Node.isSatisfiesExpression(node) ||
      Node.isTypeAssertion(node)
    )
      return this.evalExpr(node.getExpression(), scope)
    if (Node.isArrayLiteralExpression(node)) return this.evalArray(node.getElements(), scope)
    if (Node.isObjectLiteralExpression(node)) return this.evalObject(node, scope)
    if (Node.isArrowFunction(node) || Node.isFunctionExpression(node))
      return new Closure(node, scope, Node.isFunctionExpression(node) ? (node.getName() ?? '') : '')
    if (Node.isPropertyAccessExpression(node)) {
      const obj = this.evalExpr(node.getExpression(), scope)
      // a property that is an operation (x.T) is located at its name, like a method call
      this.at(node.getNameNode(), node)
      return this.member(obj, node.getName(), node.getNameNode())
    }
    if (Node.isElementAccessExpression(node)) return this.element(node, scope)
    if (Node.isCallExpression(node)) return this.evalCall(node, scope)
    if (Node.isConditionalExpression(node)) return this.evalConditional(node, scope)
    if (Node.isBinaryExpression(node)) return this.evalBinary(node, scope)
    if (Node.isPrefixUnaryExpression(node)) return this.evalPrefix(node, scope)
    if (Node.isPostfixUnaryExpression(node))
      return fail(
        'D102',
        node,
        'increment and decrement mutate a variable',
        'write a new const, e.g. const next = i + 1 (a for-loop header may use i++)',
      )
    if (Node.isTemplateExpression(node)) return this.evalTemplate(node, scope)
    if (Node.isNewExpression(node)) {
      const name = node.getExpression().getText()
      if (name === 'Date')
        fail('D104', node, 'new Date() reads the clock', 'pass time-dependent values in as arguments')
      if (name === 'Function')
        fail(
          'D104',
          node,
          'new Function(…) runs code built while the program runs, which the compiler cannot see',
          'write the computation as DSL code',
        )
      return fail('D101', node, `'new ${name}(…)' creates a mutable object`, 'use DSL operations and plain objects')
    }
    if (Node.isAwaitExpression(node))
      fail('D101', node, 'await is not DSL code', 'DSL functions are synchronous and pure')
    if (node.getKind() === SyntaxKind.ThisKeyword)
      fail('D101', node, "'this' is not available in DSL code", 'pass what you need as a parameter')
    if (Node.isClassExpression(node)) fail('D101', node, 'classes are not DSL code', 'use functions and plain objects')
    if (Node.isDeleteExpression(node))
      fail('D102', node, 'delete mutates an object', 'build a new object without the key')
    return fail(
      'D101',
      node,
      `${node.getKindName()} is not supported in DSL code`,
      'use const bindings, calls, arithmetic, ternaries and arrow functions',
    )
  }

  lookup(name: string, node: Node, scope: Scope): Value {
    const b = scope.find(name)
    if (b) return b.value
    return scope.moduleResolver()(name, node, () => scope.names())
  }

  private evalArray(elements: Node[], scope: Scope): Value[] {
    const out: Value[] = []
    for (const el of elements) {
      if (Node.isSpreadElement(el)) {
        const v = this.evalExpr(el.getExpression(), scope)
        if (!Array.isArray(v)) fail('D109', el, `spread of ${describe(v)}`, 'spread a static array')
        this.work.created(v.length, el)
        for (const x of v) out.push(x)
      } else {
        this.work.created(1, el)
        out.push(Node.isOmittedExpression(el) ? undefined : this.evalExpr(el, scope))
      }
    }
    return out
  }

  private evalObject(node: Node & { getProperties(): Node[] }, scope: Scope): Record_ {
    const fields = new Map<string, Value>()
    for (const p of node.getProperties()) {
      if (Node.isPropertyAssignment(p)) {
        const nameNode = p.getNameNode()
        const key = Node.isComputedPropertyName(nameNode)
          ? String(this.evalExpr(nameNode.getExpression(), scope))
          : p.getName().replace(/^['"]|['"]$/g, '')
        fields.set(key, this.evalExpr(p.getInitializerOrThrow(), scope))
      } else if (Node.isShorthandPropertyAssignment(p)) fields.set(p.getName(), this.lookup(p.getName(), p, scope))
      else if (Node.isSpreadAssignment(p)) {
        const v = this.evalExpr(p.getExpression(), scope)
        if (!(v instanceof Record_)) fail('D109', p, `spread of ${describe(v)} into an object`, 'spread a plain object')
        for (const [k, x] of v.fields) fields.set(k, x)
      } else
        fail(
          'D101',
          p,
          'methods and accessors in object literals are not supported',
          'use a property holding an arrow function',
        )
    }
    return new Record_(fields)
  }

  member(obj: Value, name: string, node: Node): Value {
    if (obj instanceof Tracer || obj instanceof ScalarSym) return methodOf(this, obj, name, node)
    if (obj instanceof Record_) {
      if (!obj.fields.has(name))
        fail(
          'D107',
          node,
          `the object has no property '${name}' (it has ${[...obj.fields.keys()].join(', ') || 'none'})`,
          `${didYouMean(name, obj.fields.keys())}check the property name`,
        )
      return obj.fields.get(name)
    }
    if (obj instanceof ModuleNamespace) {
      if (!obj.file && isImpureModule(obj.specifier))
        fail(
          'D104',
          node,
          `'${name}' comes from '${obj.specifier}', which does I/O`,
          'do I/O in host code and pass the data in as tensors',
        )
      if (!obj.file)
        fail(
          'D106',
          node,
          `'${obj.specifier}' is not DSL source the compiler can read`,
          'import DSL functions from .ts files or drift-dsl',
        )
      return this.moduleEnv(obj.file).exported(name, node)
    }
    if (Array.isArray(obj)) return arrayMember(this, obj, name, node)
    if (typeof obj === 'string' && name === 'length') return obj.length
    return fail(
      'D107',
      node,
      `cannot read '${name}' of ${describe(obj)}`,
      'read properties of objects, arrays and tensors',
    )
  }

  private element(node: Node & { getExpression(): Node; getArgumentExpressionOrThrow(): Node }, scope: Scope): Value {
    const obj = this.evalExpr(node.getExpression(), scope)
    const key = this.evalExpr(node.getArgumentExpressionOrThrow(), scope)
    if (Array.isArray(obj)) {
      const i = this.staticNumber(key, node, 'an array index')
      if (!Number.isInteger(i) || i < 0 || i >= obj.length)
        fail(
          'D109',
          node,
          `index ${i} is out of range for an array of ${obj.length}`,
          `use an index in [0, ${obj.length - 1}]`,
        )
      return obj[i]
    }
    if (obj instanceof Record_ && typeof key === 'string') return this.member(obj, key, node)
    if (obj instanceof Tracer)
      fail(
        'D101',
        node,
        'indexing a tensor with [] is not supported',
        'use slice(x, axis, start, end) or gather(table, indices)',
      )
    return fail(
      'D109',
      node,
      `cannot index ${describe(obj)} with ${describe(key)}`,
      'index static arrays with numbers and objects with strings',
    )
  }

  private evalCall(node: Node & { getExpression(): Node; getArguments(): Node[] }, scope: Scope): Value {
    const callee = node.getExpression()
    if (callee.getKind() === SyntaxKind.ImportKeyword)
      fail(
        'D104',
        node,
        'import(…) loads a module while the program runs',
        'import DSL functions statically at the top of the file; do I/O in host code',
      )
    const fn = this.evalExpr(callee, scope)
    const args = this.evalArray(node.getArguments(), scope)
    this.at(Node.isPropertyAccessExpression(callee) ? callee.getNameNode() : node, node)
    return this.callValue(fn, args, node)
  }

  private evalConditional(
    node: Node & { getCondition(): Node; getWhenTrue(): Node; getWhenFalse(): Node },
    scope: Scope,
  ): Value {
    const c = this.evalExpr(node.getCondition(), scope)
    if (c instanceof ScalarSym) {
      const a = this.evalExpr(node.getWhenTrue(), scope)
      const b = this.evalExpr(node.getWhenFalse(), scope)
      this.at(node)
      return applySelect(this, c, a, b, node)
    }
    if (c instanceof Tracer)
      fail(
        'D103',
        node.getCondition(),
        'a ternary on a tensor value branches on data',
        'select elementwise with where(cond, a, b)',
      )
    return this.evalExpr(truthy(c, node.getCondition()) ? node.getWhenTrue() : node.getWhenFalse(), scope)
  }

  private evalBinary(
    node: Node & { getLeft(): Node; getRight(): Node; getOperatorToken(): Node },
    scope: Scope,
  ): Value {
    const kind = node.getOperatorToken().getKind()
    if (
      kind === SyntaxKind.EqualsToken ||
      (kind >= SyntaxKind.FirstCompoundAssignment && kind <= SyntaxKind.LastCompoundAssignment)
    )
      return assign(this, node, kind, scope)
    if (
      kind === SyntaxKind.AmpersandAmpersandToken ||
      kind === SyntaxKind.BarBarToken ||
      kind === SyntaxKind.QuestionQuestionToken
    ) {
      const a = this.evalExpr(node.getLeft(), scope)
      if (a instanceof ScalarSym || (a instanceof Tracer && this.inLambda)) {
        const b = this.evalExpr(node.getRight(), scope)
        this.at(node)
        return applyBinary(this, kind === SyntaxKind.AmpersandAmpersandToken ? 'and' : 'or', a, b, node)
      }
      if (a instanceof Tracer)
        fail(
          'D103',
          node.getLeft(),
          'short-circuit logic on a tensor branches on data',
          'use logicalAnd / logicalOr, or where(cond, a, b)',
        )
      if (kind === SyntaxKind.QuestionQuestionToken) return a ?? this.evalExpr(node.getRight(), scope)
      if (kind === SyntaxKind.AmpersandAmpersandToken)
        return truthy(a, node.getLeft()) ? this.evalExpr(node.getRight(), scope) : a
      return truthy(a, node.getLeft()) ? a : this.evalExpr(node.getRight(), scope)
    }
    const op = BINARY_TOKENS[kind]
    if (!op)
      return fail(
        'D101',
        node.getOperatorToken(),
        `the operator '${node.getOperatorToken().getText()}' is not supported`,
        'use arithmetic, comparisons, && || and ??',
      )
    const a = this.evalExpr(node.getLeft(), scope)
    const b = this.evalExpr(node.getRight(), scope)
    this.at(node.getOperatorToken(), node)
    return this.binary(op, a, b, node)
  }

  binary(op: string, a: Value, b: Value, node: Node): Value {
    if (typeof a === 'string' || typeof b === 'string') {
      if (op === 'add') {
        const s = String(a) + String(b)
        this.work.created(s.length, node)
        return s
      }
      if (op === 'eq') return a === b
      if (op === 'ne') return a !== b
      return fail('D109', node, `'${op}' on a string`, 'strings only support +, === and !==')
    }
    if (
      (op === 'eq' || op === 'ne') &&
      !isNumeric(a) &&
      !isNumeric(b) &&
      !(a instanceof Tracer) &&
      !(b instanceof Tracer) &&
      !(a instanceof ScalarSym) &&
      !(b instanceof ScalarSym)
    )
      return op === 'eq' ? a === b : a !== b
    if (!isNumericLike(a) || !isNumericLike(b))
      fail(
        'D109',
        node,
        `'${op}' needs numbers or tensors, got ${describe(a)} and ${describe(b)}`,
        'apply arithmetic to numbers and tensors only',
      )
    return applyBinary(this, op, a, b, node)
  }

  private evalPrefix(node: Node & { getOperand(): Node; getOperatorToken(): SyntaxKind }, scope: Scope): Value {
    const tok = node.getOperatorToken()
    if (tok === SyntaxKind.PlusPlusToken || tok === SyntaxKind.MinusMinusToken)
      fail('D102', node, 'increment and decrement mutate a variable', 'write a new const, e.g. const next = i + 1')
    const v = this.evalExpr(node.getOperand(), scope)
    this.at(node)
    if (tok === SyntaxKind.MinusToken) return typeof v === 'number' ? -v : applyUnary(this, 'neg', v, node)
    if (tok === SyntaxKind.PlusToken) return typeof v === 'boolean' ? +v : v
    if (tok === SyntaxKind.ExclamationToken) {
      if (v instanceof Tracer && !this.inLambda) return applyUnary(this, 'not', v, node)
      if (v instanceof ScalarSym || v instanceof Tracer) return applyUnary(this, 'not', v, node)
      return !truthy(v, node)
    }
    return fail('D101', node, `the operator '${node.getText()[0]}' is not supported`, 'use arithmetic and comparisons')
  }

  private evalTemplate(node: Node & { getHead(): Node; getTemplateSpans(): Node[] }, scope: Scope): string {
    let s = node.getHead().getText().slice(1, -2)
    for (const span of node.getTemplateSpans()) {
      const sp = span as Node & { getExpression(): Node; getLiteral(): Node }
      const v = this.evalExpr(sp.getExpression(), scope)
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
        fail(
          'D109',
          sp,
          `a template string can only hold static values, got ${describe(v)}`,
          'interpolate numbers and strings',
        )
      const lit = sp.getLiteral().getText()
      s += String(v) + lit.slice(1, lit.endsWith('`') ? -1 : -2)
    }
    this.work.created(s.length, node)
    return s
  }
}

const isNumeric = (v: Value) => typeof v === 'number' || typeof v === 'boolean'
const isNumericLike = (v: Value) => isNumeric(v) || v instanceof Tracer || v instanceof ScalarSym

/** The truth of a static value; a traced one (a tensor, a lambda argument) cannot decide at compile time. */
export function truthy(v: Value, node: Node): boolean {
  if (v instanceof Tracer)
    fail(
      'D103',
      node,
      `this condition depends on ${describe(v)}, known only when the program runs`,
      'select elementwise with where(cond, a, b)',
    )
  if (v instanceof ScalarSym)
    fail(
      'D110',
      node,
      'this condition depends on a lambda argument, known only when the program runs',
      'compute with arithmetic and ternaries inside a scalar lambda: cond ? a : b',
    )
  return !!v
}
