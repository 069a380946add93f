import semver from 'semver'
import type { Release } from '../../github/index.js'
import type { ReleaseVersion } from './version.js'
import { versionOfTag } from './version.js'

/**
 * The release whose benchmarks are the baseline: the newest published (non-draft) release whose
 * version is below the candidate's by SemVer precedence. A stable candidate compares with the
 * previous stable release only (a release candidate's numbers say nothing about 1.3.0 against 1.2.0);
 * a prerelease candidate compares with the newest release below it, prerelease or not. Tags without
 * the prefix, or that are not SemVer, are not releases of this project and are skipped.
 */
export function previousRelease(
  releases: readonly Release[],
  candidate: ReleaseVersion,
  tagPrefix: string,
): Release | undefined {
  let best: { r: Release; v: string } | undefined
  for (const r of releases) {
    if (r.draft) continue
    const v = versionOfTag(r.tag_name, tagPrefix)
    if (v === undefined || !semver.lt(v, candidate.version)) continue
    if (!candidate.prerelease && (r.prerelease || semver.prerelease(v) !== null)) continue
    if (!best || semver.gt(v, best.v)) best = { r, v }
  }
  return best?.r
}
