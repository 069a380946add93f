/**
 * Untrusted text (key ids, tag names, payload types, anything read from an unverified envelope or
 * a server) is shown through this one function before it reaches a terminal, a log or an
 * annotation: a key id holding `ESC [ 2 J` or a newline must not clear a screen or forge a log line.
 */

/** Longest untrusted text shown in a message; the rest is cut with "…". */
export const MAX_SHOWN_CHARS = 200

function hex(cp: number, width: number): string {
  return cp.toString(16).padStart(width, '0')
}

function needsEscape(cp: number): boolean {
  return (
    cp < 0x20 || // C0 controls, including newline and ESC
    (cp >= 0x7f && cp <= 0x9f) || // DEL and C1 controls (0x9b is a one-byte CSI)
    cp === 0x2028 ||
    cp === 0x2029 || // line and paragraph separators
    (cp >= 0x200b && cp <= 0x200f) || // zero-width and direction marks
    (cp >= 0x202a && cp <= 0x202e) || // bidi embeddings and overrides
    (cp >= 0x2066 && cp <= 0x2069) || // bidi isolates
    cp === 0xfeff ||
    (cp >= 0xd800 && cp <= 0xdfff) // an unpaired surrogate
  )
}

/**
 * Escapes untrusted text for display: control, bidi and invisible characters become `\xHH` or
 * `\uHHHH`, a backslash becomes `\\`, and text longer than `maxChars` is cut with "…". Linear time.
 *
 * @example escapeUntrusted('v1\x1b[2J') // 'v1\\x1b[2J'
 */
export function escapeUntrusted(text: string, maxChars = MAX_SHOWN_CHARS): string {
  return escapeChars(text, maxChars, true)
}

function escapeChars(text: string, maxChars: number, backslash: boolean): string {
  let out = ''
  let shown = 0
  for (const ch of text) {
    if (shown >= maxChars) return `${out}…`
    const cp = ch.codePointAt(0)!
    // The backslash is doubled so every escape reads back unambiguously.
    if (cp === 0x5c && backslash) out += '\\\\'
    else if (needsEscape(cp)) out += cp < 0x100 ? `\\x${hex(cp, 2)}` : `\\u${hex(cp, 4)}`
    else out += ch
    shown++
  }
  return out
}

/**
 * The last line of defence for a whole message or a pretty-printed block: newlines are kept,
 * other control, bidi and invisible characters escaped, backslashes left alone (the message may
 * already hold escapeUntrusted output, which must not be escaped twice). No length cut.
 */
export function escapeControls(text: string): string {
  return text
    .split('\n')
    .map((line) => escapeChars(line, Number.POSITIVE_INFINITY, false))
    .join('\n')
}

/**
 * JSON for a terminal or a log: JSON.stringify (which escapes C0 controls and lone surrogates),
 * then every other character escapeUntrusted would escape (DEL, C1 controls, bidi and invisible
 * characters) written as a `\uHHHH` escape. Still valid JSON with the very same value.
 *
 * @example jsonForTerminal({ reason: 'a\u202eb' }) // '{"reason":"a\\u202eb"}'
 */
export function jsonForTerminal(value: unknown, indent = 2): string {
  let out = ''
  for (const ch of JSON.stringify(value, null, indent)) {
    const cp = ch.codePointAt(0)!
    out += cp >= 0x7f && needsEscape(cp) ? `\\u${hex(cp, 4)}` : ch
  }
  return out
}
