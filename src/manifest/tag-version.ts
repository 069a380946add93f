import { RelsealError } from '../errors.js'
import { isStrictSemver } from './payload.js'

/** A tag prefix is short and plain: it cannot act as an option nor hold glob or ref syntax. */
const MAX_TAG_PREFIX_CHARS = 64
const SAFE_TAG_PREFIX = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/

/**
 * Validates a tag prefix (`app-v` for tags like `app-v1.2.3` in a monorepo). The empty string
 * means the default rule: `v<version>` or `<version>`.
 */
export function parseTagPrefix(prefix: string, what: string): string {
  if (prefix === '') return prefix
  if (prefix.length > MAX_TAG_PREFIX_CHARS || !SAFE_TAG_PREFIX.test(prefix) || prefix.includes('..'))
    throw new RelsealError(
      'E_USAGE',
      `${what} ${JSON.stringify(prefix.slice(0, MAX_TAG_PREFIX_CHARS))} must start with a letter or digit and hold only ` +
        `letters, digits and . _ / - (at most ${MAX_TAG_PREFIX_CHARS} characters), e.g. app-v`,
    )
  return prefix
}

/** The version a tag names with an explicit `prefix`, or undefined when it names none. */
export function versionOfTag(tag: string, prefix: string): string | undefined {
  if (!tag.startsWith(prefix)) return undefined
  const v = tag.slice(prefix.length)
  return isStrictSemver(v) ? v : undefined
}

/**
 * The version a release tag names under the binding rule (docs/manifest-spec.md, "Tag and
 * version"): with a prefix, `<prefix><version>`; without one (''/undefined), `v<version>` or
 * `<version>`.
 *
 * @example releaseVersionOfTag('v1.2.3') === '1.2.3'; releaseVersionOfTag('app-v1.2.3', 'app-v') === '1.2.3'
 */
export function releaseVersionOfTag(tag: string, prefix = ''): string | undefined {
  if (prefix !== '') return versionOfTag(tag, prefix)
  return versionOfTag(tag, 'v') ?? versionOfTag(tag, '')
}

/** The tags a version may be released under, for messages. */
function allowedTags(version: string, prefix: string): string {
  return prefix === '' ? `v${version} or ${version}` : `${prefix}${version}`
}

/**
 * Refuses a tag and version that do not name each other (E_TAG_VERSION_MISMATCH): a manifest
 * signed for tag v1.0.0 must say version 1.0.0, so an old commit cannot be relabelled as an
 * upgrade.
 */
export function assertTagMatchesVersion(tag: string, version: string, prefix = ''): void {
  if (releaseVersionOfTag(tag, prefix) === version) return
  throw new RelsealError(
    'E_TAG_VERSION_MISMATCH',
    `tag ${JSON.stringify(tag)} does not name version ${JSON.stringify(version)}: the tag must be ` +
      `${allowedTags(version, prefix)}${prefix === '' ? ' (tags with another prefix need --tag-prefix / input tag-prefix)' : ''}; ` +
      `a release whose version and tag disagree is refused, re-sign it with the version its tag names`,
    { details: { tag, version, tag_prefix: prefix } },
  )
}
