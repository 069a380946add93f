import { RelsealError } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'

/**
 * Arrays and objects nest at most this deep. A manifest needs 3; V8 takes most of a second to
 * build (and then refuse) 1 MiB of unclosed `[`, so depth is checked before JSON.parse runs.
 */
export const MAX_JSON_DEPTH = 32

/**
 * An object has at most this many members (a manifest's largest has 13). JSON.parse needs most of
 * a second for one object of 100,000 members, so this too is checked before it runs.
 */
export const MAX_JSON_OBJECT_MEMBERS = 1000

export interface StrictJsonOptions {
  /**
   * Every number in the document must be written as a non-negative integer: `0` or a digit
   * 1–9 followed by digits, no sign, fraction or exponent (so `3.0`, `3e0` and `-0` are refused,
   * though JSON.parse reads them as integers).
   */
  integersOnly?: boolean
}

/**
 * Parses JSON like JSON.parse, but refuses what JSON.parse silently accepts and a signed
 * document must not hold: duplicate object keys (JSON.parse keeps the last one, so two
 * readers could see two different values), a byte-order mark, and `\u` escapes of unpaired
 * surrogates (not Unicode text). Linear time: JSON.parse, then one scan of the text.
 */
export function parseStrictJson(text: string, what: string, o: StrictJsonOptions = {}): unknown {
  const fail = (why: string, at: number): never => {
    throw new RelsealError('E_BAD_INPUT', `${what} is not valid JSON: ${why} at offset ${at}`)
  }
  if (text.charCodeAt(0) === 0xfeff) fail('a byte-order mark', 0)
  checkShape(text, fail)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    // V8's message quotes the offending text, which is untrusted.
    throw new RelsealError(
      'E_BAD_INPUT',
      `${what} is not valid JSON (${escapeUntrusted((e as Error).message)}); was it truncated?`,
      { cause: e },
    )
  }
  // JSON.parse has validated the syntax; one linear scan now finds repeated keys per object.
  const stack: { object: boolean; keys: Set<string> }[] = []
  let expectKey = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '{' || c === '[') {
      stack.push({ object: c === '{', keys: new Set() })
      expectKey = c === '{'
    } else if (c === '}' || c === ']') stack.pop()
    else if (c === ',') expectKey = stack.at(-1)?.object ?? false
    else if (c === '"') {
      const { end, escaped } = stringEnd(text, i)
      const str = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end)
      if (escaped && !isWellFormed(str)) fail('a \\u escape of an unpaired surrogate', i)
      if (expectKey) {
        const keys = stack.at(-1)!.keys
        if (keys.has(str)) fail(`the key "${escapeUntrusted(str)}" appears twice in one object`, i)
        keys.add(str)
        expectKey = false
      }
      i = end
    } else if (o.integersOnly && (c === '-' || (c !== undefined && c >= '0' && c <= '9'))) {
      i = integerEnd(text, i, fail)
    }
  }
  return value
}

/**
 * Refuses nesting deeper than MAX_JSON_DEPTH and objects with more than MAX_JSON_OBJECT_MEMBERS
 * members, counting brackets and colons outside strings, before JSON.parse builds anything.
 */
function checkShape(text: string, fail: (why: string, at: number) => never): void {
  const members: number[] = [] // per open bracket: members so far, or -1 for an array
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') i = stringEnd(text, i).end
    else if (c === '[' || c === '{') {
      members.push(c === '{' ? 0 : -1)
      if (members.length > MAX_JSON_DEPTH) fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`, i)
    } else if (c === ']' || c === '}') members.pop()
    else if (c === ':' && members.length > 0 && members[members.length - 1]! >= 0) {
      const n = ++members[members.length - 1]!
      if (n > MAX_JSON_OBJECT_MEMBERS) fail(`an object with more than ${MAX_JSON_OBJECT_MEMBERS} members`, i)
    }
  }
}

function stringEnd(text: string, start: number): { end: number; escaped: boolean } {
  let escaped = false
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') {
      escaped = true
      i++
    } else if (text[i] === '"') return { end: i, escaped }
  }
  return { end: text.length, escaped }
}

/** Checks a number token is a non-negative integer; returns the index of its last character. */
function integerEnd(text: string, start: number, fail: (why: string, at: number) => never): number {
  let i = start
  while (i + 1 < text.length && '0123456789+-.eE'.includes(text[i + 1]!)) i++
  const token = text.slice(start, i + 1)
  const digitsOnly = [...token].every((d) => d >= '0' && d <= '9')
  if (!digitsOnly || (token.length > 1 && token[0] === '0'))
    fail(`the number ${token.slice(0, 40)} is not written as a non-negative integer`, start)
  return i
}

function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false
      i++
    } else if (c >= 0xdc00 && c <= 0xdfff) return false
  }
  return true
}
