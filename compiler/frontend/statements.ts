/**
 * Statements of DSL function bodies: const/let bindings with destructuring, `if` on static
 * values, static `for` loops (unrolled), return, break/continue, and re-assignment of a
 * function's own `let` locals (single assignment after renaming: still pure).
 */
import { Node, SyntaxKind, VariableDeclarationKind } from 'ts-morph'
import { fail } from './diagnostics.js'
import type { Scope } from './scope.js'
import { Closure, Record_, ScalarSym, Tracer, describe, type Value } from './values.js'
import { truthy, type Evaluator } from './evaluate.js'
import { MAX_UNROLL, count } from './limits.js'

type Completion = { kind: 'normal' } | { kind: 'return'; value: Value } | { kind: 'break' } | { kind: 'continue' }
const NORMAL: Completion = { kind: 'normal' }

/** Run a function body; its value is what it returns (undefined when it falls off the end). */
export function execBody(ev: Evaluator, statements: Node[], scope: Scope): Value {
  const c = execStatements(ev, statements, scope)
  if (c.kind === 'break' || c.kind === 'continue')
    fail('D101', statements[0], `'${c.kind}' outside a loop`, 'use it inside a static for loop')
  return c.kind === 'return' ? c.value : undefined
}

function execStatements(ev: Evaluator, statements: Node[], scope: Scope): Completion {
  for (const s of statements)
    if (Node.isFunctionDeclaration(s) && s.getName())
      scope.declare(s.getName()!, new Closure(s, scope, s.getName()!), false)
  for (const s of statements) {
    const c = execStatement(ev, s, scope)
    if (c.kind !== 'normal') return c
  }
  return NORMAL
}

function staticCondition(ev: Evaluator, node: Node, scope: Scope, what: string): boolean {
  const c = ev.evalExpr(node, scope)
  if (c instanceof Tracer && what.startsWith('a loop')) tracedLoopBound(node, scope)
  if (c instanceof Tracer)
    fail(
      'D103',
      node,
      `${what} depends on a tensor value`,
      what.startsWith('a loop')
        ? 'loop a number of times known at compile time'
        : 'select elementwise with where(cond, a, b)',
    )
  if (c instanceof ScalarSym) fail('D110', node, `${what} depends on a lambda argument`, 'use a ternary: cond ? a : b')
  return truthy(c, node)
}

/**
 * A loop condition whose only traced inputs are scalar parameters (`i < n`, n: i32) needs them
 * static, not a data-free rewrite: report D108 at the parameter. Conditions on other tensors stay D103.
 */
function tracedLoopBound(cond: Node, scope: Scope): void {
  const traced: { id: Node; origin: string }[] = []
  for (const id of [cond, ...cond.getDescendantsOfKind(SyntaxKind.Identifier)]) {
    const parent = id.getParent()
    if (!Node.isIdentifier(id) || (parent && Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id))
      continue
    const v = scope.find(id.getText())?.value
    if (!(v instanceof Tracer)) continue
    if (!v.origin || v.shape.length !== 0) return
    traced.push({ id, origin: v.origin })
  }
  if (traced.length === 0) return
  const { id, origin } = traced[0]
  const param = origin.split('.')[0]
  fail(
    'D108',
    id,
    `the loop bound '${id.getText()}' is a traced scalar (parameter '${origin}'), so the loop cannot unroll at compile time`,
    `mark '${param}' static: dsl(fn, { static: ['${param}'] })`,
  )
}

function execStatement(ev: Evaluator, s: Node, scope: Scope): Completion {
  ev.work.enter(s)
  try {
    return runStatement(ev, s, scope)
  } finally {
    ev.work.leave()
  }
}

function runStatement(ev: Evaluator, s: Node, scope: Scope): Completion {
  if (Node.isVariableStatement(s)) {
    const kind = s.getDeclarationKind()
    if (kind === VariableDeclarationKind.Var)
      fail('D101', s, "'var' is not supported", 'use const (or let for a loop accumulator)')
    for (const d of s.getDeclarations()) {
      const init = d.getInitializer()
      bindPattern(
        ev,
        d.getNameNode(),
        init ? ev.evalExpr(init, scope) : undefined,
        scope,
        kind === VariableDeclarationKind.Let,
      )
    }
    return NORMAL
  }
  if (Node.isReturnStatement(s)) {
    const e = s.getExpression()
    return { kind: 'return', value: e ? ev.evalExpr(e, scope) : undefined }
  }
  if (Node.isExpressionStatement(s)) {
    ev.evalExpr(s.getExpression(), scope)
    return NORMAL
  }
  if (Node.isIfStatement(s)) {
    const branch = staticCondition(ev, s.getExpression(), scope, 'an if condition')
      ? s.getThenStatement()
      : s.getElseStatement()
    return branch ? execStatement(ev, branch, scope.child()) : NORMAL
  }
  if (Node.isBlock(s)) return execStatements(ev, s.getStatements(), scope.child())
  if (Node.isForStatement(s)) return ev.work.within(s, () => execFor(ev, s, scope))
  if (Node.isForOfStatement(s)) return ev.work.within(s, () => execForOf(ev, s, scope))
  if (Node.isBreakStatement(s) || Node.isContinueStatement(s)) {
    if (s.getLabel()) fail('D101', s, 'labelled break/continue is not supported', 'restructure the loop')
    return { kind: Node.isBreakStatement(s) ? 'break' : 'continue' }
  }
  if (
    Node.isEmptyStatement(s) ||
    Node.isFunctionDeclaration(s) ||
    Node.isTypeAliasDeclaration(s) ||
    Node.isInterfaceDeclaration(s)
  )
    return NORMAL
  if (Node.isWhileStatement(s) || Node.isDoStatement(s))
    fail(
      'D101',
      s,
      'while loops are not supported: their trip count is not known at compile time',
      'use a static for loop: for (let i = 0; i < n; i++)',
    )
  if (Node.isForInStatement(s))
    fail(
      'D101',
      s,
      'for…in is not supported',
      'loop over Object.keys of a static object with for…of, or over a static list',
    )
  if (Node.isTryStatement(s) || Node.isThrowStatement(s))
    fail('D101', s, 'exceptions are not DSL code', 'shape errors are reported by the compiler; remove try/throw')
  if (Node.isSwitchStatement(s))
    fail('D101', s, 'switch is not supported', 'use if/else on static values, or a ternary')
  if (Node.isClassDeclaration(s)) fail('D101', s, 'classes are not DSL code', 'use functions and plain objects')
  return fail(
    'D101',
    s,
    `${s.getKindName()} is not supported in DSL code`,
    'use const bindings, if on static values, static for loops and return',
  )
}

function loopBody(ev: Evaluator, body: Node, scope: Scope): Completion {
  return Node.isBlock(body) ? execStatements(ev, body.getStatements(), scope) : execStatement(ev, body, scope)
}

function execFor(
  ev: Evaluator,
  s: Node & {
    getInitializer(): Node | undefined
    getCondition(): Node | undefined
    getIncrementor(): Node | undefined
    getStatement(): Node
  },
  scope: Scope,
): Completion {
  const loopScope = scope.child()
  const init = s.getInitializer()
  const names: string[] = []
  if (init) {
    if (!Node.isVariableDeclarationList(init) || init.getDeclarationKind() !== VariableDeclarationKind.Let)
      fail('D101', init, 'a for loop must declare its counter with let', 'write for (let i = 0; i < n; i++)')
    for (const d of init.getDeclarations()) {
      const i = d.getInitializer()
      if (!Node.isIdentifier(d.getNameNode()))
        fail('D101', d, 'destructuring in a for header is not supported', 'declare a plain counter')
      names.push(d.getName())
      loopScope.declare(d.getName(), i ? ev.evalExpr(i, loopScope) : undefined, true)
    }
  }
  const cond = s.getCondition()
  const inc = s.getIncrementor()
  for (let n = 0; ; n++) {
    if (n > MAX_UNROLL)
      fail(
        'D111',
        s,
        `the loop runs more than ${count(MAX_UNROLL)} iterations`,
        'loops unroll at compile time: express long loops with tensor operations',
      )
    if (cond && !staticCondition(ev, cond, loopScope, 'a loop condition')) break
    const iter = loopScope.child()
    for (const name of names) iter.declare(name, loopScope.find(name)!.value, true)
    const c = loopBody(ev, s.getStatement(), iter)
    for (const name of names) loopScope.find(name)!.value = iter.find(name)!.value
    if (c.kind === 'return') return c
    if (c.kind === 'break') break
    if (inc) increment(ev, inc, loopScope)
  }
  return NORMAL
}

/** A for-loop incrementor: i++, ++i, i--, i += k, i = expr. */
function increment(ev: Evaluator, inc: Node, scope: Scope): void {
  if (
    (Node.isPostfixUnaryExpression(inc) || Node.isPrefixUnaryExpression(inc)) &&
    Node.isIdentifier(inc.getOperand())
  ) {
    const tok = inc.getOperatorToken()
    const b = scope.find(inc.getOperand().getText())
    if (!b || !b.mutable) fail('D102', inc, 'the incrementor must update the loop counter', 'write i++')
    const v = ev.staticNumber(b.value, inc, 'a loop counter')
    if (tok === SyntaxKind.PlusPlusToken) b.value = v + 1
    else if (tok === SyntaxKind.MinusMinusToken) b.value = v - 1
    else fail('D101', inc, 'unsupported incrementor', 'write i++')
    return
  }
  ev.evalExpr(inc, scope)
}

function execForOf(
  ev: Evaluator,
  s: Node & { getInitializer(): Node; getExpression(): Node; getStatement(): Node },
  scope: Scope,
): Completion {
  const list = ev.evalExpr(s.getExpression(), scope)
  if (list instanceof Tracer)
    fail(
      'D103',
      s.getExpression(),
      'for…of over a tensor iterates over data',
      'loop over a static list, or use map/reduce over the tensor',
    )
  if (!Array.isArray(list))
    fail(
      'D109',
      s.getExpression(),
      `for…of needs a static array, got ${describe(list)}`,
      'loop over an array literal or a static list',
    )
  const init = s.getInitializer()
  if (!Node.isVariableDeclarationList(init) || init.getDeclarationKind() === VariableDeclarationKind.Var)
    fail('D101', init, 'for…of must declare its variable with const', 'write for (const t of list)')
  const decl = init.getDeclarations()[0]
  if (list.length > MAX_UNROLL)
    fail(
      'D111',
      s,
      `the loop runs more than ${count(MAX_UNROLL)} iterations`,
      'loops unroll at compile time: express long loops with tensor operations',
    )
  for (const item of list) {
    const iter = scope.child()
    bindPattern(ev, decl.getNameNode(), item, iter, init.getDeclarationKind() === VariableDeclarationKind.Let)
    const c = loopBody(ev, s.getStatement(), iter)
    if (c.kind === 'return') return c
    if (c.kind === 'break') break
  }
  return NORMAL
}

/** Bind an identifier or a destructuring pattern. */
export function bindPattern(ev: Evaluator, pattern: Node, value: Value, scope: Scope, mutable: boolean): void {
  if (Node.isIdentifier(pattern)) return scope.declare(pattern.getText(), value, mutable)
  if (Node.isArrayBindingPattern(pattern)) {
    if (!Array.isArray(value))
      fail(
        'D109',
        pattern,
        `cannot destructure ${describe(value)} as an array`,
        'destructure static arrays, e.g. the result of split',
      )
    pattern.getElements().forEach((el, i) => {
      if (Node.isOmittedExpression(el)) return
      if (el.getDotDotDotToken()) return bindPattern(ev, el.getNameNode(), value.slice(i), scope, mutable)
      let v = value[i]
      const init = el.getInitializer()
      if (v === undefined && init) v = ev.evalExpr(init, scope)
      bindPattern(ev, el.getNameNode(), v, scope, mutable)
    })
    return
  }
  if (Node.isObjectBindingPattern(pattern)) {
    if (!(value instanceof Record_))
      fail('D109', pattern, `cannot destructure ${describe(value)} as an object`, 'destructure plain objects (pytrees)')
    const used = new Set<string>()
    for (const el of pattern.getElements()) {
      if (el.getDotDotDotToken()) {
        const rest = new Map([...value.fields].filter(([k]) => !used.has(k)))
        bindPattern(ev, el.getNameNode(), new Record_(rest), scope, mutable)
        continue
      }
      const key = el.getPropertyNameNode()?.getText() ?? el.getName()
      used.add(key)
      if (!value.fields.has(key) && !el.getInitializer())
        fail('D107', el, `the object has no property '${key}'`, 'check the property name')
      let v = value.fields.get(key)
      const init = el.getInitializer()
      if (v === undefined && init) v = ev.evalExpr(init, scope)
      bindPattern(ev, el.getNameNode(), v, scope, mutable)
    }
    return
  }
  fail('D101', pattern, 'unsupported binding pattern', 'bind a name or destructure an array/object')
}

const COMPOUND: Partial<Record<SyntaxKind, string>> = {
  [SyntaxKind.PlusEqualsToken]: 'add',
  [SyntaxKind.MinusEqualsToken]: 'sub',
  [SyntaxKind.AsteriskEqualsToken]: 'mul',
  [SyntaxKind.SlashEqualsToken]: 'div',
  [SyntaxKind.PercentEqualsToken]: 'mod',
  [SyntaxKind.AsteriskAsteriskEqualsToken]: 'pow',
}

/** `x = e` and `x op= e` for a `let` local of the running function; anything else mutates state. */
export function assign(
  ev: Evaluator,
  node: Node & { getLeft(): Node; getRight(): Node },
  kind: SyntaxKind,
  scope: Scope,
): Value {
  const left = node.getLeft()
  if (!Node.isIdentifier(left))
    fail(
      'D102',
      node,
      'assigning to a property or element mutates an object',
      'build a new value: const y = { ...x, key: v } or concat/where for tensors',
    )
  const name = left.getText()
  const b = scope.find(name)
  if (!b)
    fail(
      'D102',
      node,
      `'${name}' is not a local variable of this function: assigning to it mutates outer state`,
      'return the new value instead',
    )
  if (!b.mutable)
    fail(
      'D102',
      node,
      `'${name}' is a const`,
      `declare a new const, or declare '${name}' with let if it accumulates in a loop`,
    )
  if (b.frame !== scope.frame)
    fail(
      'D102',
      node,
      `'${name}' belongs to an enclosing function: assigning to it from a closure mutates shared state`,
      'return the value from the inner function instead',
    )
  const right = ev.evalExpr(node.getRight(), scope)
  const op = COMPOUND[kind]
  if (kind !== SyntaxKind.EqualsToken && !op)
    fail('D101', node, 'this compound assignment is not supported', 'use + - * / % **')
  b.value = op ? ev.binary(op, b.value, right, node) : right
  return b.value
}
