/** "Did you mean …?": the known name nearest to a misspelled one, by edit distance. */

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i || j))
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  return d[a.length][b.length]
}

/**
 * The candidate nearest to `name` (case-insensitively), when it is close enough to be a typo: one
 * edit for names of up to four characters, two for longer ones. Ties go to the earlier candidate.
 */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = name.length <= 4 ? 1 : 2
  let best: string | undefined
  let bestDistance = limit + 1
  for (const c of candidates) {
    if (c === name) continue
    const d = editDistance(name.toLowerCase(), c.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [c, d]
  }
  return best
}

/** "did you mean softmax? " (with the trailing space), or '' when nothing is near. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const n = nearest(name, candidates)
  return n ? `did you mean ${n}? ` : ''
}
