import * as core from '@actions/core'
import semver from 'semver'
import { RelsealError } from '../../../src/errors.js'
import {
  getLatestRelease,
  isAlreadyExists,
  updateRelease,
  type GitHubClient,
  type Release,
} from '../../github/index.js'

/** The version a release's tag names: the tag without any prefix before its first digit (v, app-v). */
export function versionOfReleaseTag(tag: string): string | undefined {
  let i = 0
  while (i < tag.length && !(tag[i]! >= '0' && tag[i]! <= '9')) i++
  return semver.valid(tag.slice(i)) ?? undefined
}

/**
 * Whether publishing `version` must not move "latest": a backport (1.4.1 after 2.0.0) would
 * otherwise become the latest release, and updaters following latest would be offered a downgrade.
 */
export async function isBelowLatest(gh: GitHubClient, version: string): Promise<boolean> {
  const latest = await getLatestRelease(gh)
  const latestVersion = latest && versionOfReleaseTag(latest.tag_name)
  return latestVersion !== undefined && semver.valid(version) !== null && semver.lt(version, latestVersion)
}

/**
 * Publishes a signed draft, the last step of GitHub's flow for immutable releases (draft, upload
 * every asset, publish); `make_latest` is "false" for a version below the current latest release.
 */
export async function publishRelease(gh: GitHubClient, draft: Release, version: string): Promise<Release> {
  const below = await isBelowLatest(gh, version)
  try {
    const published = await updateRelease(gh, draft, {
      draft: false,
      ...(below ? { make_latest: 'false' } : {}),
    })
    core.info(
      `published release ${published.tag_name} (id ${published.id})${below ? ', not marked latest: a newer version is' : ''}`,
    )
    return published
  } catch (e) {
    if (!isAlreadyExists(e)) throw e
    throw new RelsealError(
      'E_GITHUB',
      `another release of ${draft.tag_name} was published while draft ${draft.id} was being signed; ` +
        `draft ${draft.id} is left unpublished: delete it, and re-run to sign the published release`,
      { cause: e },
    )
  }
}
