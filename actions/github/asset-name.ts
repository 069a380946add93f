import { RelsealError } from '../../src/errors.js'

/** GitHub accepts long names; a release asset name longer than a file name is a mistake. */
export const MAX_ASSET_NAME_LENGTH = 255

const isKept = (c: number) =>
  (c >= 0x30 && c <= 0x39) || // 0-9
  (c >= 0x41 && c <= 0x5a) || // A-Z
  (c >= 0x61 && c <= 0x7a) || // a-z
  c === 0x2e || // .
  c === 0x5f || // _
  c === 0x2d // -

/**
 * Why GitHub would store `name` under another name, or undefined when it keeps it as given.
 *
 * GitHub's "Upload a release asset" documentation: "GitHub renames asset filenames that have special
 * characters, non-alphanumeric characters, and leading or trailing periods. The List release assets
 * endpoint lists the renamed filenames." It gives no exact list; users report spaces, `~`, `:`, `(`
 * and `)` turned into `.` (softprops/action-gh-release#159, actions/upload-release-asset#57), and `+`
 * arriving as a space and then a `.` through the API (github/rest-api-description#2968). So the one
 * rule here is the conservative one: letters, digits, `.`, `_` and `-`, no leading or trailing
 * period. A renamed asset would not be found under its name on a re-run, or by verify-manifest.
 */
export function assetNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty'
  if (name.length > MAX_ASSET_NAME_LENGTH) return `it is longer than ${MAX_ASSET_NAME_LENGTH} characters`
  let position = 0
  for (const c of name) {
    position++
    if (!isKept(c.codePointAt(0)!))
      return `GitHub would replace ${JSON.stringify(c)} (character ${position}) with "."`
  }
  if (name.startsWith('.') || name.endsWith('.'))
    return 'GitHub renames names with a leading or trailing period'
  return undefined
}

/**
 * Throws E_BAD_INPUT unless GitHub stores `name` unchanged; `what` says where the name came from
 * ("input manifest-name", "artifact dist/app 1.tgz"). Every name the actions upload or look up goes
 * through this before any request.
 *
 * @example checkAssetName(inputs.manifestName, 'input manifest-name')
 */
export function checkAssetName(name: string, what: string): string {
  const problem = assetNameProblem(name)
  if (problem !== undefined)
    throw new RelsealError(
      'E_BAD_INPUT',
      `${what}: ${JSON.stringify(name)} cannot be a release asset name: ${problem}; ` +
        'use letters, digits, ".", "_" and "-", not starting or ending with "."',
    )
  return name
}
