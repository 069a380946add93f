import { RelsealError } from '../errors.js'

/**
 * Parses JSON like JSON.parse, but refuses what JSON.parse silently accepts and a signed
 * document must not hold: duplicate object keys (JSON.parse keeps the last one, so two
 * readers could see two different values) and a byte-order mark.
 */
export function parseStrictJson(text: string, what: string): unknown {
  const fail = (why: string, at: number): never => {
    throw new RelsealError('E_BAD_INPUT', `${what} is not valid JSON: ${why} at offset ${at}`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new RelsealError(
      'E_BAD_INPUT',
      `${what} is not valid JSON (${(e as Error).message}); was it truncated?`,
      { cause: e },
    )
  }
  if (text.charCodeAt(0) === 0xfeff) fail('a byte-order mark', 0)
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
      const end = stringEnd(text, i)
      if (expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string
        const keys = stack.at(-1)!.keys
        if (keys.has(key)) fail(`the key ${JSON.stringify(key)} appears twice in one object`, i)
        keys.add(key)
        expectKey = false
      }
      i = end
    }
  }
  return value
}

function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === '"') return i
  }
  return text.length
}
