/**
 * The grammar of payload v1 fields, exactly as docs/manifest-spec.md ("Payload grammar") states
 * it. Every check is one linear pass written out by hand: no regular expression with a
 * quantifier runs over untrusted text, so no input can make a check slow (issue 23).
 */

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const isLowerHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66)
const isAlnum = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)

/** True for C0 controls and DEL (U+0000–U+001F, U+007F). */
export function isControl(c: number): boolean {
  return c < 0x20 || c === 0x7f
}

/** True when `s` holds no C0 control character and no DEL. */
export function hasNoControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (isControl(s.charCodeAt(i))) return false
  return true
}

/** `n` lower-case hex digits exactly. */
export function isLowerHexOf(s: string, n: number): boolean {
  if (s.length !== n) return false
  for (let i = 0; i < n; i++) if (!isLowerHex(s.charCodeAt(i))) return false
  return true
}

/** `sha256:` and 64 lower-case hex digits. */
export function isSha256Digest(s: string): boolean {
  return s.startsWith('sha256:') && isLowerHexOf(s.slice(7), 64)
}

/** A full commit id: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits. */
export function isCommitId(s: string): boolean {
  return isLowerHexOf(s, 40) || isLowerHexOf(s, 64)
}

/**
 * `owner/name`: owner is 1–39 of [A-Za-z0-9-] starting with a letter or digit; name is 1–100 of
 * [A-Za-z0-9._-] and neither `.` nor `..`.
 */
export function isRepository(s: string): boolean {
  const slash = s.indexOf('/')
  if (slash < 1 || slash > 39) return false
  const owner = s.slice(0, slash)
  const name = s.slice(slash + 1)
  if (!isAlnum(owner.charCodeAt(0))) return false
  for (let i = 1; i < owner.length; i++) {
    const c = owner.charCodeAt(i)
    if (!isAlnum(c) && c !== 0x2d) return false
  }
  if (name.length < 1 || name.length > 100 || name === '.' || name === '..') return false
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (!isAlnum(c) && c !== 0x2e && c !== 0x5f && c !== 0x2d) return false
  }
  return true
}

/** Characters git refuses anywhere in a ref name, beyond controls: space ~ ^ : ? * [ \ */
const TAG_FORBIDDEN = ' ~^:?*[\\'

/** Longest tag name in UTF-8 bytes. */
export const MAX_TAG_BYTES = 250

/**
 * A git tag name as `git check-ref-format` accepts it under refs/tags/, and one that cannot act
 * as an option: 1–250 UTF-8 bytes; no control character, DEL or any of ` ~^:?*[\`; not starting
 * with `-` or `/`, not ending with `/` or `.`; no `..`, `//` or `@{`; not `@` alone; no
 * `/`-separated component starting with `.` or ending with `.lock`.
 */
export function isTagName(s: string): boolean {
  const bytes = Buffer.byteLength(s, 'utf8')
  if (bytes < 1 || bytes > MAX_TAG_BYTES || s === '@') return false
  if (s.startsWith('-') || s.endsWith('.')) return false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (isControl(c) || TAG_FORBIDDEN.includes(s[i]!)) return false
    if (c === 0x2e && s[i + 1] === '.') return false
    if (c === 0x40 && s[i + 1] === '{') return false
  }
  for (const component of s.split('/')) {
    // Empty components are a leading, trailing or doubled slash.
    if (component === '' || component.startsWith('.') || component.endsWith('.lock')) return false
  }
  return true
}

/** Longest artifact name in UTF-8 bytes (the common file-system limit for one name). */
export const MAX_ARTIFACT_NAME_BYTES = 255

/**
 * An artifact file name: 1–255 UTF-8 bytes, no control character, DEL, `/` or `\`, not starting
 * with `.` or `-`.
 */
export function isArtifactName(s: string): boolean {
  const bytes = Buffer.byteLength(s, 'utf8')
  if (bytes < 1 || bytes > MAX_ARTIFACT_NAME_BYTES) return false
  if (s.startsWith('.') || s.startsWith('-')) return false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (isControl(c) || c === 0x2f || c === 0x5c) return false
  }
  return true
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

/**
 * An RFC 3339 UTC time, `YYYY-MM-DDTHH:MM:SS[.F]Z` with upper-case `T` and `Z`, 1–9 fraction
 * digits, and a real calendar date and time of day: month 01–12, a day that exists in that month
 * (leap years by the Gregorian rule), hour 00–23, minute 00–59, second 00–59 (no leap second).
 * Offsets such as `+00:00` are refused: one spelling for one instant.
 */
export function isUtcTimestamp(s: string): boolean {
  if (s.length < 20 || s.length > 30 || !s.endsWith('Z')) return false
  const shape = 'dddd-dd-ddTdd:dd:dd'
  for (let i = 0; i < shape.length; i++) {
    const c = s.charCodeAt(i)
    if (shape[i] === 'd' ? !isDigit(c) : s[i] !== shape[i]) return false
  }
  const fraction = s.slice(19, -1)
  if (fraction !== '') {
    if (fraction[0] !== '.' || fraction.length < 2 || fraction.length > 10) return false
    for (let i = 1; i < fraction.length; i++) if (!isDigit(fraction.charCodeAt(i))) return false
  }
  const n = (from: number, to: number): number => Number(s.slice(from, to))
  const [year, month, day] = [n(0, 4), n(5, 7), n(8, 10)]
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false
  return n(11, 13) <= 23 && n(14, 16) <= 59 && n(17, 19) <= 59
}
