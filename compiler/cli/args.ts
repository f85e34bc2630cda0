/** Command-line arguments before Node's parser sees them. */

/**
 * `--flag -5` becomes `--flag=-5` for the options in `valued` (those that take a value), so a
 * negative number reaches the option's own check ("--steps must be a non-negative integer")
 * instead of Node's parser, which takes `-5` for an option.
 */
export function joinNegativeValues(args: string[], valued: Iterable<string>): string[] {
  const names = new Set(valued)
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    const next = args[i + 1]
    if (a.startsWith('--') && names.has(a.slice(2)) && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      out.push(`${a}=${next}`)
      i++
    } else out.push(a)
  }
  return out
}
