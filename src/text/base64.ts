/**
 * Base64 checks written as one pass over the text, never a regular expression: a backtracking
 * pattern over 200 untrusted characters can run for hours (issue 23).
 */

/** What a character is in base64: 0 not base64, 1 both alphabets, 2 standard only, 3 URL-safe only. */
function alphabetOf(c: number): 0 | 1 | 2 | 3 {
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) return 1
  if (c === 0x2b || c === 0x2f) return 2 // + /
  if (c === 0x2d || c === 0x5f) return 3 // - _
  return 0
}

/**
 * True when `text` is base64 of the form asked for, checked in linear time:
 * - `dsse`: the standard or the URL-safe alphabet (not both in one string), padding optional,
 *   but if present one or two `=` that complete a group of four (DSSE protocol.md);
 * - `strict`: the standard alphabet, padded to a multiple of four.
 * Either way no whitespace, and never a length that leaves one character in the last group.
 */
export function isBase64(text: string, form: 'dsse' | 'strict'): boolean {
  let end = text.length
  let pad = 0
  while (pad < 2 && end > 0 && text.charCodeAt(end - 1) === 0x3d) {
    end--
    pad++
  }
  let standard = false
  let urlSafe = false
  for (let i = 0; i < end; i++) {
    const a = alphabetOf(text.charCodeAt(i))
    if (a === 0) return false
    if (a === 2) standard = true
    else if (a === 3) urlSafe = true
  }
  if (standard && urlSafe) return false
  if (form === 'strict' && urlSafe) return false
  if (end % 4 === 1) return false
  if ((pad > 0 || form === 'strict') && (end + pad) % 4 !== 0) return false
  return true
}

/** Decodes text that {@link isBase64} accepted (Node's decoder reads both alphabets). */
export function decodeCheckedBase64(text: string): Buffer {
  return Buffer.from(text, 'base64')
}
