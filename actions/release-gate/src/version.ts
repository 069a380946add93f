import semver from 'semver'
import { RelsealError } from '../../../src/errors.js'
import { assertSafeRef } from '../../../src/git/git.js'

export interface ReleaseVersion {
  /** Strict SemVer 2.0.0, without the prefix. */
  version: string
  /** `tag-prefix` + version. */
  tag: string
  prerelease: boolean
}

const MAX_VERSION_LENGTH = 256

/**
 * The nearest strict form of a near miss, for the error message: look-alike digits folded (NFKC),
 * whitespace dropped, leading zeros removed, a dangling `-`/`+` cut, missing parts filled with 0.
 */
export function nearestValid(raw: string): string | undefined {
  let v = raw.normalize('NFKC').replace(/\s+/g, '')
  v = v.replace(/[-+]$/, '')
  const cut = v.search(/[-+]/)
  const main = (cut < 0 ? v : v.slice(0, cut)).split('.')
  if (main.length > 3 || !main.every((p) => /^\d+$/.test(p))) return undefined
  const num = (s: string | undefined) => String(Number(s ?? '0'))
  const rest = (cut < 0 ? '' : v.slice(cut)).replace(/(^-|\.)0+(\d)/g, '$1$2')
  const candidate = `${num(main[0])}.${num(main[1])}.${num(main[2])}${rest}`
  return semver.valid(candidate) === candidate ? candidate : undefined
}

function describeChar(c: string): string {
  return `${JSON.stringify(c)} (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`
}

/**
 * Gate 1: `raw` must be strict SemVer 2.0.0, optionally written with `prefix` (`v1.2.3` when the
 * prefix is `v`); anything else is refused with the nearest valid form where there is one.
 */
export function parseReleaseVersion(raw: string, prefix: string, allowPrerelease: boolean): ReleaseVersion {
  const hint = (v: string) => {
    const near = nearestValid(v)
    return near && near !== raw
      ? `; did you mean ${near}?`
      : '; write it as MAJOR.MINOR.PATCH, e.g. 1.4.0 or 2.0.0-rc.1'
  }
  const fail = (why: string, v = raw): never => {
    throw new RelsealError('E_BAD_VERSION', `version ${JSON.stringify(raw)} ${why}${hint(v)}`)
  }
  if (raw.length === 0) fail('is empty')
  if (raw.length > MAX_VERSION_LENGTH) fail(`is longer than ${MAX_VERSION_LENGTH} characters`)
  const odd = [...raw].find((c) => !/^[\x21-\x7e]$/.test(c))
  if (odd !== undefined)
    fail(
      /\s/.test(odd)
        ? `holds whitespace ${describeChar(odd)}`
        : `holds ${describeChar(odd)}, which is not an ASCII letter, digit or . - +`,
    )
  let body = raw
  if (prefix && raw.startsWith(prefix)) body = raw.slice(prefix.length)
  else if (!/^\d/.test(raw)) {
    const found = /^[^\d]*/.exec(raw)![0]
    fail(
      `starts with ${JSON.stringify(found)}, which is not the tag prefix ${JSON.stringify(prefix)}; pass the bare version or the prefix ${JSON.stringify(prefix)}`,
      raw.slice(found.length),
    )
  }
  if (semver.valid(body) !== body) fail('is not strict SemVer 2.0.0', body)
  const prerelease = semver.prerelease(body) !== null
  if (prerelease && !allowPrerelease)
    throw new RelsealError(
      'E_BAD_VERSION',
      `version ${body} is a prerelease; set allow-prerelease: true to release it, or release ${semver.major(body)}.${semver.minor(body)}.${semver.patch(body)}`,
    )
  const tag = assertSafeRef(`${prefix}${body}`, 'tag')
  return { version: body, tag, prerelease }
}

// The one tag/version rule, shared with sign, verify and the updater (docs/manifest-spec.md).
export { versionOfTag } from '../../../src/manifest/tag-version.js'
