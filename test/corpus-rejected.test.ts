/**
 * The rejected-program corpus: DSL programs in test/corpus/rejected/ that the compiler must
 * refuse, each with the diagnostic code and the exact line:column of the offending node.
 * Locations are computed from a marker text that occurs once in the corpus file, so editing
 * a corpus file above a program does not break the expectations of the others.
 */
import fs from 'node:fs'
import { describe, expect, test } from 'vitest'
import type { Code } from '../compiler/frontend/diagnostics.js'
import type { ArgSpec } from '../compiler/frontend/specialize.js'
import { reject, rootPath, S, T } from './helpers.js'

const DIR = rootPath('test/corpus/rejected')
/** Marks the expected column inside a marker, when it is not the marker's first character. */
const CURSOR = '⟨'

interface Case {
  /** Corpus file (under test/corpus/rejected/) and the exported dsl(...) function. */
  file: string
  name: string
  args: ArgSpec[]
  code: Code
  /** Text that occurs exactly once in the file the diagnostic points into; ⟨ marks the column. */
  at: string
  /** The file the diagnostic points into, when it is a helper module rather than `file`. */
  in?: string
  /** What the message must say. */
  message: RegExp
  /** What the fix must say, where it matters. */
  fix?: RegExp
  /** The source the diagnostic shows, where it matters. */
  found?: string
}

const M = [T([3, 4])]

const CASES: Case[] = [
  // ---- D102 mutation ----
  {
    file: 'mutation.ts',
    name: 'propertyAssign',
    args: M,
    code: 'D102',
    at: 'state.acc = x.mul(2)',
    message: /property or element mutates an object/,
  },
  {
    file: 'mutation.ts',
    name: 'elementAssign',
    args: M,
    code: 'D102',
    at: 'parts[1] = x.neg()',
    message: /property or element mutates an object/,
  },
  {
    file: 'mutation.ts',
    name: 'arrayPush',
    args: M,
    code: 'D102',
    at: 'outs.⟨push(',
    message: /Array\.push mutates the array/,
    fix: /\[\.\.\.xs, x\]/,
  },
  {
    file: 'mutation.ts',
    name: 'postIncrement',
    args: M,
    code: 'D102',
    at: 'k++\n  return x.mul(k)',
    message: /increment and decrement mutate/,
  },
  { file: 'mutation.ts', name: 'constAssign', args: M, code: 'D102', at: 'y = y.add(1)', message: /'y' is a const/ },
  {
    file: 'mutation.ts',
    name: 'closureAssign',
    args: M,
    code: 'D102',
    at: 'total = total.add(t)',
    message: /'total' belongs to an enclosing function/,
  },
  {
    file: 'mutation.ts',
    name: 'deleteKey',
    args: M,
    code: 'D102',
    at: 'delete o.b',
    message: /delete mutates an object/,
  },

  // ---- D103 data-dependent control flow ----
  {
    file: 'control.ts',
    name: 'ifOnTensor',
    args: M,
    code: 'D103',
    at: 'if (⟨x.sum().gt(0))',
    message: /if condition depends on a tensor value/,
    fix: /where/,
  },
  {
    file: 'control.ts',
    name: 'ternaryOnTensor',
    args: M,
    code: 'D103',
    at: 'x.mean().lt(0.5) ?',
    message: /ternary on a tensor/,
    fix: /where/,
  },
  {
    file: 'control.ts',
    name: 'forOfTensor',
    args: M,
    code: 'D103',
    at: 'for (const row of ⟨x)',
    message: /for…of over a tensor/,
  },
  {
    file: 'control.ts',
    name: 'andOnTensor',
    args: M,
    code: 'D103',
    at: 'x.gt(0) &&',
    message: /short-circuit logic on a tensor/,
    fix: /logicalAnd/,
  },
  {
    file: 'control.ts',
    name: 'loopUntilSmall',
    args: M,
    code: 'D103',
    at: 'y.max().gt(1);',
    message: /loop condition depends on a tensor value/,
  },
  {
    file: 'control.ts',
    name: 'loopUntilTol',
    args: [T([3, 4]), T([])],
    code: 'D103',
    at: 'y.max().gt(tol);',
    message: /loop condition depends on a tensor value/,
  },

  // ---- D104 I/O and impure calls ----
  { file: 'impure.ts', name: 'logsValue', args: M, code: 'D104', at: 'console.log', message: /'console'/ },
  {
    file: 'impure.ts',
    name: 'randomScale',
    args: M,
    code: 'D104',
    at: 'Math.random()',
    message: /Math\.random\(\) is impure/,
    fix: /randomUniform/,
  },
  { file: 'impure.ts', name: 'clockSeed', args: M, code: 'D104', at: 'Date.now()', message: /'Date'/ },
  {
    file: 'impure.ts',
    name: 'newDate',
    args: M,
    code: 'D104',
    at: 'new Date()',
    message: /new Date\(\) reads the clock/,
  },
  {
    file: 'impure.ts',
    name: 'readsWeights',
    args: M,
    code: 'D104',
    at: "readFileSync('weights.json'",
    message: /'readFileSync' comes from 'node:fs'/,
  },
  { file: 'impure.ts', name: 'envScale', args: M, code: 'D104', at: 'process.env', message: /'process'/ },
  {
    file: 'impure.ts',
    name: 'namespaceIo',
    args: M,
    code: 'D104',
    at: 'fs.⟨readFileSync(',
    message: /'readFileSync' comes from 'node:fs', which does I\/O/,
  },
  {
    file: 'impure.ts',
    name: 'dynamicImport',
    args: M,
    code: 'D104',
    at: "import('node:fs')",
    message: /import\(…\) loads a module while the program runs/,
    fix: /statically/,
  },
  {
    file: 'impure.ts',
    name: 'evalCall',
    args: M,
    code: 'D104',
    at: "eval('2')",
    message: /'eval' runs code built while the program runs/,
  },
  {
    file: 'impure.ts',
    name: 'functionCall',
    args: M,
    code: 'D104',
    at: "Function('return 2')()))\nexport const functionNew",
    message: /'Function' runs code built while the program runs/,
  },
  {
    file: 'impure.ts',
    name: 'functionNew',
    args: M,
    code: 'D104',
    at: "new Function('return 2')",
    message: /new Function\(…\) runs code/,
  },

  // ---- D105 closure over module-level mutable state ----
  {
    file: 'state.ts',
    name: 'scaled',
    args: M,
    code: 'D105',
    at: 'x.div(⟨temperature)',
    message: /'temperature' is a module-level 'let'/,
    fix: /const/,
  },
  {
    file: 'state.ts',
    name: 'shifted',
    args: M,
    code: 'D105',
    at: 'y.add(⟨bias)',
    message: /'bias' is a module-level 'var'/,
    fix: /const/,
  },

  // ---- D101 unsupported syntax ----
  {
    file: 'syntax.ts',
    name: 'whileLoop',
    args: M,
    code: 'D101',
    at: 'while (k < 3)',
    message: /while loops are not supported/,
    fix: /for \(let i = 0/,
  },
  { file: 'syntax.ts', name: 'localClass', args: M, code: 'D101', at: 'class Scaler', message: /classes/ },
  { file: 'syntax.ts', name: 'tryCatch', args: M, code: 'D101', at: 'try {', message: /exceptions/ },
  { file: 'syntax.ts', name: 'varBinding', args: M, code: 'D101', at: 'var y', message: /'var' is not supported/ },
  {
    file: 'syntax.ts',
    name: 'switchOnMode',
    args: [T([3, 4]), S('exp')],
    code: 'D101',
    at: 'switch (mode)',
    message: /switch is not supported/,
  },
  {
    file: 'syntax.ts',
    name: 'tensorIndex',
    args: M,
    code: 'D101',
    at: 'x[0]',
    message: /indexing a tensor/,
    fix: /slice|gather/,
  },
  { file: 'syntax.ts', name: 'forIn', args: M, code: 'D101', at: 'for (const k in', message: /for…in/ },
  {
    file: 'syntax.ts',
    name: 'bitwiseOr',
    args: [T([3, 4]), S(3)],
    code: 'D101',
    at: 'n ⟨| 1',
    message: /operator '\|'/,
  },

  // ---- D106 unknown function, D107 unknown name ----
  {
    file: 'unknown.ts',
    name: 'fpTsPipe',
    args: M,
    code: 'D106',
    at: 'pipe(x, exp)',
    message: /'pipe' comes from 'fp-ts\/lib\/function\.js'/,
  },
  {
    file: 'unknown.ts',
    name: 'unknownMethod',
    args: M,
    code: 'D106',
    at: 'frobnicate()',
    message: /tensors have no method 'frobnicate'/,
    fix: /^\(the tensor methods are listed/,
  },
  {
    file: 'unknown.ts',
    name: 'typoMethod',
    args: M,
    code: 'D106',
    at: 'x.exp().⟨sotfmax(1)',
    message: /tensors have no method 'sotfmax'/,
    fix: /^did you mean softmax\?/,
  },
  {
    file: 'unknown.ts',
    name: 'typoFunction',
    args: M,
    code: 'D107',
    at: 'sotfmax(x, 1).add',
    message: /'sotfmax' is not defined/,
    fix: /^did you mean softmax\?/,
  },
  {
    file: 'unknown.ts',
    name: 'missingImport',
    args: M,
    code: 'D107',
    at: 'logsumexp(x, 1)',
    message: /'logsumexp' is not defined here/,
    fix: /logsumexp is a DSL operation: import \{ logsumexp \} from 'drift-dsl'/,
  },
  {
    file: 'unknown.ts',
    name: 'typoImport',
    args: M,
    code: 'D106',
    at: 'softmx(x, 1)',
    message: /'softmx' is not a DSL operation/,
    fix: /^did you mean softmax\?/,
  },
  {
    file: 'unknown.ts',
    name: 'typoProperty',
    args: M,
    code: 'D107',
    at: 'cfg.⟨scael',
    message: /no property 'scael' \(it has scale\)/,
    fix: /^did you mean scale\?/,
  },
  {
    file: 'unknown.ts',
    name: 'typoMath',
    args: M,
    code: 'D107',
    at: 'Math.⟨expp',
    message: /no property 'expp'/,
    fix: /^did you mean exp\?/,
  },
  {
    file: 'unknown.ts',
    name: 'hostTensor',
    args: M,
    code: 'D106',
    at: 'tensor([1, 2, 3])',
    message: /'tensor' from the DSL package is host API/,
  },
  {
    file: 'unknown.ts',
    name: 'arrayForEach',
    args: M,
    code: 'D106',
    at: 'ys.⟨forEach',
    message: /arrays have no supported method 'forEach'/,
  },
  {
    file: 'unknown.ts',
    name: 'unknownName',
    args: M,
    code: 'D107',
    at: 'x.mul(⟨gain)',
    message: /'gain' is not defined/,
    fix: /^define it/,
  },
  {
    file: 'unknown.ts',
    name: 'missingProperty',
    args: M,
    code: 'D107',
    at: 'cfg.⟨shift',
    message: /no property 'shift' \(it has scale\)/,
  },

  // ---- D108 compile-time value required ----
  {
    file: 'static.ts',
    name: 'tracedLoopBound',
    args: [T([3, 4]), T([], 'i32')],
    code: 'D108',
    at: 'i < ⟨n;',
    message: /loop bound 'n' is a traced scalar/,
    fix: /static: \['n'\]/,
  },
  {
    file: 'static.ts',
    name: 'tracedReshape',
    args: [T([3, 4]), T([])],
    code: 'D108',
    at: 'reshape(x, [rows, -1])',
    message: /parameter 'rows'/,
    fix: /static: \['rows'\]/,
  },
  {
    file: 'static.ts',
    name: 'tracedSliceEnd',
    args: [T([3, 4]), T([], 'i32')],
    code: 'D108',
    at: 'slice(x, 0, 0, k)',
    message: /parameter 'k'/,
    fix: /static: \['k'\]/,
  },
  {
    file: 'static.ts',
    name: 'dataShape',
    args: M,
    code: 'D108',
    at: 'zeros([2, x.max()])',
    message: /known at compile time, but it is a traced tensor/,
  },

  // ---- D111 recursion and unrolling limits ----
  {
    file: 'limits.ts',
    name: 'recursion',
    args: M,
    code: 'D111',
    at: 'halve(x.mul(0.5))',
    message: /recursion is not supported/,
  },
  {
    file: 'limits.ts',
    name: 'mutualRecursion',
    args: M,
    code: 'D111',
    at: 'isOdd(x.neg(), k - 1)',
    message: /recursion is not supported/,
  },
  {
    file: 'limits.ts',
    name: 'hugeLoop',
    args: M,
    code: 'D111',
    at: 'for (let i = 0; i < 1_000_000',
    message: /more than 100,000 iterations/,
  },
  {
    file: 'limits.ts',
    name: 'nestedLoops',
    args: M,
    code: 'D111',
    at: 'for (let i = 0; i < 2000; i++) {\n    for (let j = 0; j < 2000; j++) acc',
    message: /this static loop exceeds the budget of 100,000 equations; the innermost loop running is at line \d+/,
    fix: /tensor operations/,
  },
  {
    file: 'limits.ts',
    name: 'nestedCount',
    args: M,
    code: 'D111',
    at: 'for (let i = 0; i < 2000; i++) {\n    for (let j = 0; j < 2000; j++) total',
    message: /this static loop exceeds the budget of 1,000,000 steps/,
    fix: /tensor operations/,
  },
  {
    file: 'limits.ts',
    name: 'doublingArray',
    args: M,
    code: 'D111',
    at: 'for (let i = 0; i < 40; i++) xs',
    message: /budget of 1,000,000 static array elements and string characters/,
    fix: /build large data as tensors/,
  },
  {
    file: 'limits.ts',
    name: 'doublingString',
    args: M,
    code: 'D111',
    at: 'for (let i = 0; i < 40; i++) s',
    message: /budget of 1,000,000 static array elements and string characters/,
  },
  {
    file: 'limits.ts',
    name: 'exponentialCalls',
    args: M,
    code: 'D111',
    at: 'twice(x, 30)',
    message: /partial evaluation of this call exceeds the budget of 1,000,000 steps/,
    fix: /inlined/,
  },

  // ---- D110 scalar lambdas ----
  {
    file: 'lambdas.ts',
    name: 'lambdaReturnsTensor',
    args: M,
    code: 'D110',
    at: 'generate([3, 4]',
    message: /must return a number, got a tensor f32\[3,4\]/,
  },
  {
    file: 'lambdas.ts',
    name: 'lambdaReadsTensor',
    args: M,
    code: 'D110',
    at: 'v / x.sum(0)',
    message: /cannot read the whole tensor of shape \[4\]/,
    fix: /zipWith/,
  },
  {
    file: 'lambdas.ts',
    name: 'lambdaArgMethod',
    args: M,
    code: 'D110',
    at: 'v.⟨abs()',
    message: /no property 'abs'/,
    fix: /Math/,
  },
  {
    file: 'lambdas.ts',
    name: 'lambdaIf',
    args: M,
    code: 'D110',
    at: 'if (⟨v > acc)',
    message: /if condition depends on a lambda argument/,
    fix: /ternary/,
  },
  {
    file: 'lambdas.ts',
    name: 'lambdaFilter',
    args: M,
    code: 'D110',
    at: '[1, 2, 3].filter(',
    message: /the callback of filter depends on a lambda argument/,
    fix: /reduce\(\(n, k\) => n \+ \(k < v \? 1 : 0\), 0\)/,
  },
  {
    file: 'lambdas.ts',
    name: 'lambdaSome',
    args: M,
    code: 'D110',
    at: '[0.5, 1.5].some(',
    message: /the callback of some depends on a lambda argument/,
  },

  // ---- D109 bad arguments ----
  {
    file: 'arguments.ts',
    name: 'unknownOption',
    args: [T([3, 4]), T([5, 4])],
    code: 'D109',
    at: 'cdist(x, y, { squard',
    message: /unknown option 'squard'/,
    fix: /squared/,
  },
  {
    file: 'arguments.ts',
    name: 'badDType',
    args: M,
    code: 'D109',
    at: "x.astype('f64')",
    message: /unknown dtype.*'f64'/,
  },
  {
    file: 'arguments.ts',
    name: 'returnsFunction',
    args: M,
    code: 'D109',
    at: 'returnsFunction = dsl(⟨(x: Mat)',
    message: /cannot return the function/,
  },
  {
    file: 'arguments.ts',
    name: 'zerosShape',
    args: M,
    code: 'D108',
    at: "zeros([2, 'three'])",
    message: /the string 'three'/,
  },

  // ---- D301 entry points ----
  {
    file: 'entries.ts',
    name: 'noReturn',
    args: M,
    code: 'D301',
    at: 'noReturn = dsl(⟨(x: Mat)',
    message: /'noReturn' returns nothing: its body reaches its end without a return/,
    fix: /return/,
  },
  {
    file: 'entries.ts',
    name: 'wrapsCall',
    args: M,
    code: 'D301',
    at: 'dsl(⟨makeScaler(2))',
    message: /dsl\(\.\.\.\) wraps something that is not a function the compiler can find/,
    fix: /the name of a function declared in this file or imported/,
  },

  // ---- D201 shape mismatches, at the op in the user's source ----
  {
    file: 'shapes.ts',
    name: 'matmulInner',
    args: [T([3, 4]), T([5, 6])],
    code: 'D201',
    at: 'h.⟨matmul(b)',
    message: /inner dimensions 4 and 5 differ/,
    found: 'h.matmul(b)',
    fix: /transpose an operand \(x\.T, a property: no parentheses\)/,
  },
  {
    file: 'shapes.ts',
    name: 'cdistColumns',
    args: [T([3, 4]), T([5, 6])],
    code: 'D201',
    at: 'cdist(x, y).mul',
    message: /point dimensions 4 and 6 differ/,
  },
  {
    file: 'shapes.ts',
    name: 'addRows',
    args: [T([3, 4]), T([5, 4])],
    code: 'D201',
    at: 'a.⟨add(b)',
    message: /\[3,4\] and \[5,4\] cannot be broadcast/,
    found: 'a.add(b)',
  },
  {
    file: 'shapes.ts',
    name: 'concatOffAxis',
    args: [T([3, 4]), T([5, 4])],
    code: 'D201',
    at: 'concat([a, b], 1)',
    message: /concat on axis 1: shapes \[3,4\], \[5,4\] differ off that axis/,
  },
  {
    file: 'shapes.ts',
    name: 'reshapeCount',
    args: M,
    code: 'D201',
    at: 'reshape(x, [5, 5])',
    message: /cannot reshape \[3,4\] \(12 elements\) to \[5,5\] \(25\)/,
  },
  {
    file: 'shapes.ts',
    name: 'zipWithShapes',
    args: [T([3, 4]), T([5, 4])],
    code: 'D201',
    at: 'zipWith(a, b,',
    message: /cannot be broadcast/,
  },
  {
    file: 'shapes.ts',
    name: 'helperMatmul',
    args: [T([3, 4]), T([5, 6])],
    code: 'D201',
    in: 'shape-helpers.ts',
    at: 'x.⟨matmul(w)',
    message: /inner dimensions 4 and 5 differ/,
  },
  {
    file: 'shapes.ts',
    name: 'helperCenter',
    args: [T([3, 4]), T([5])],
    code: 'D201',
    in: 'shape-helpers.ts',
    at: 'x.⟨sub(mu)',
    message: /\[3,4\] and \[5\] cannot be broadcast/,
  },
]

const texts = new Map<string, string>()
const textOf = (file: string) => {
  let t = texts.get(file)
  if (t === undefined) texts.set(file, (t = fs.readFileSync(`${DIR}/${file}`, 'utf8')))
  return t
}

/** 1-based line and column of the marker (at its ⟨, or its first character) in a corpus file. */
function locate(file: string, at: string): [number, number] {
  const text = textOf(file)
  const needle = at.replace(CURSOR, '')
  const i = text.indexOf(needle)
  if (i < 0) throw new Error(`marker ${JSON.stringify(needle)} not found in ${file}`)
  if (text.indexOf(needle, i + 1) >= 0)
    throw new Error(`marker ${JSON.stringify(needle)} occurs more than once in ${file}`)
  const pos = i + Math.max(0, at.indexOf(CURSOR))
  const before = text.slice(0, pos)
  return [before.split('\n').length, pos - before.lastIndexOf('\n')]
}

describe('rejected corpus', () => {
  // generous: the budget cases evaluate a million steps before they stop
  test.each(CASES.map((c) => [`${c.code} ${c.file.replace(/\.ts$/, '')}.${c.name}`, c] as const))(
    '%s',
    { timeout: 180_000 },
    (_title, c) => {
      const d = reject(`${DIR}/${c.file}`, c.name, c.args)
      expect(d.code, d.message).toBe(c.code)
      expect(d.loc.file).toBe(`${DIR}/${c.in ?? c.file}`)
      expect([d.loc.line, d.loc.col]).toEqual(locate(c.in ?? c.file, c.at))
      expect(d.message).toMatch(c.message)
      expect(d.fix.trim().length).toBeGreaterThan(0)
      if (c.fix) expect(d.fix).toMatch(c.fix)
      if (c.found) expect(d.found).toBe(c.found)
    },
  )

  test('every dsl(...) program in the corpus has a case', () => {
    const programs = fs
      .readdirSync(DIR)
      .filter((f) => f.endsWith('.ts') && f !== 'shape-helpers.ts')
      .flatMap((f) => [...textOf(f).matchAll(/^export const (\w+) = dsl\(/gm)].map((m) => `${f}:${m[1]}`))
      .sort()
    expect(programs).toEqual(CASES.map((c) => `${c.file}:${c.name}`).sort())
    expect(new Set(programs).size).toBe(programs.length)
  })
})
