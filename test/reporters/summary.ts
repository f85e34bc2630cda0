/**
 * Ends the run with one plain line, `tests: N passed, N failed, N skipped`, for tools that read it;
 * a test file that failed to load (an import error, a throw at its top level) counts as a failure
 * and is named.
 */
import path from 'node:path'
import type { Reporter, TestModule } from 'vitest/node'

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0 }
    const broken: string[] = []
    for (const m of modules) {
      if (m.state() === 'failed' && m.errors().length > 0) broken.push(path.relative(process.cwd(), m.moduleId))
      for (const t of m.children.allTests()) {
        const state = t.result().state
        if (state === 'passed') count.passed++
        else if (state === 'failed') count.failed++
        else count.skipped++
      }
    }
    count.failed += broken.length
    const files = broken.length ? ` (${broken.length} file(s) failed to run: ${broken.join(', ')})` : ''
    process.stdout.write(`\ntests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped${files}\n`)
  }
}
