/**
 * JSON for what the compiler writes and reads back (compile-cache entries, plans). JSON has no
 * ±Infinity, NaN or −0 (a max starts at −∞), so those numbers travel as tagged strings and come
 * back as numbers. A text is measured for nesting before it is parsed: a file nested deeper than
 * its reader allows is refused with a message instead of overflowing the stack.
 */
const TAG = '#number:'
const SPECIAL = new Map<string, number>([
  [`${TAG}Infinity`, Infinity],
  [`${TAG}-Infinity`, -Infinity],
  [`${TAG}NaN`, NaN],
  [`${TAG}-0`, -0],
])

export class JsonError extends Error {
  override name = 'JsonError'
}

/** JSON text of `value`, non-finite numbers and −0 tagged. */
export const toTaggedJson = (value: unknown): string =>
  JSON.stringify(value, (_, v) =>
    typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? `${TAG}${Object.is(v, -0) ? '-0' : v}` : v,
  )

/** The deepest nesting of arrays and objects in a JSON text (strings skipped). */
export function nestingDepth(text: string): number {
  let [depth, deepest, inString] = [0, 0, false]
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth)
    else if (c === 0x5d || c === 0x7d) depth--
  }
  return deepest
}

/** The value of a tagged JSON text nested at most `maxDepth` deep; a JsonError says why not. */
export function fromTaggedJson(text: string, maxDepth: number): unknown {
  const depth = nestingDepth(text)
  if (depth > maxDepth) throw new JsonError(`it nests ${depth} levels deep, at most ${maxDepth} are allowed`)
  try {
    return JSON.parse(text, (_, v) => (typeof v === 'string' && SPECIAL.has(v) ? SPECIAL.get(v) : v))
  } catch (e) {
    throw new JsonError(`it is not JSON (${(e as Error).message.replace(/\s+/g, ' ')})`)
  }
}
