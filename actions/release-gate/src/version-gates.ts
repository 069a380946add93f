import * as core from '@actions/core'
import semver from 'semver'
import { RelsealError } from '../../../src/errors.js'
import { gitText } from '../../../src/git/git.js'
import { getTagCommit, listReleasesPaged, type GitHubClient, type Release } from '../../github/index.js'
import type { GateInputs } from './inputs.js'
import type { Step } from './step.js'
import { basicCredential, localTags, originUrl, remoteAuthEnv, remoteTags, type TagSighting } from './tags.js'
import { versionOfTag } from './version.js'

/** The hidden line that marks a release as created by this run for this commit (for re-runs). */
export const marker = (runId: string, commit: string) =>
  `<!-- relseal-release-gate run=${runId} commit=${commit} -->`

/** Everything the gates learn about existing releases and tags before anything is created. */
export interface Landscape {
  releases: Release[]
  /** False when GitHub listed only its first 1,000 releases: an older one may exist. */
  releasesComplete: boolean
  /** The URL of remote origin, when the checkout has one. */
  origin: string | undefined
  local: Map<string, string>
  remote: Map<string, string> | undefined
  apiTag: string | undefined
  /** A release this same workflow run created for this commit: a re-run continues it. */
  own: Release | undefined
}

/** git's credentials for origin, from the token (so the checkout need not persist its own). */
export function gitAuth(i: GateInputs, origin: string | undefined): Record<string, string> {
  if (i.token) core.setSecret(basicCredential(i.token))
  return remoteAuthEnv(i.token, i.serverUrl, origin)
}

/** Publish mode: releases (drafts included, which only a token with push access sees) and tags. */
export async function survey(
  gh: GitHubClient,
  dir: string,
  i: GateInputs,
  commit: string,
): Promise<Landscape> {
  const { releases, complete: releasesComplete } = await listReleasesPaged(gh)
  const own = releases.find(
    (r) => r.tag_name === i.release.tag && i.runId !== '' && (r.body ?? '').includes(marker(i.runId, commit)),
  )
  const origin = await originUrl(dir)
  if (origin === undefined)
    core.warning('the checkout has no remote origin; tags were checked locally and through the API')
  return {
    releases,
    releasesComplete,
    origin,
    local: await localTags(dir),
    remote: origin === undefined ? undefined : await remoteTags(dir, gitAuth(i, origin)),
    apiTag: await getTagCommit(gh, i.release.tag),
    own,
  }
}

/**
 * Check mode has no token: it sees the checkout's tags (all of them with fetch-depth: 0) and origin's
 * tags when origin answers without credentials (a public repository). Draft releases need a token
 * with push access, so only publish mode sees them; it runs every check again before creating anything.
 */
export async function surveyWithoutToken(dir: string): Promise<Landscape> {
  const origin = await originUrl(dir)
  const remote =
    origin === undefined
      ? undefined
      : await remoteTags(dir).catch((e: unknown) => {
          core.warning(
            `origin's tags could not be listed without a token (${e instanceof Error ? e.message : String(e)}); ` +
              "the checkout's tags were checked, and the publish step checks again with its token",
          )
          return undefined
        })
  if ((await gitText(['rev-parse', '--is-shallow-repository'], { cwd: dir })) === 'true')
    core.warning('the checkout is shallow and may lack tags; check it out with fetch-depth: 0')
  return {
    releases: [],
    releasesComplete: true,
    origin,
    local: await localTags(dir),
    remote,
    apiTag: undefined,
    own: undefined,
  }
}

/** Gate 2: the version is above every existing release version (tags with the prefix included). */
function checkIncreasing(i: GateInputs, l: Landscape): string {
  const seen: { version: string; where: string }[] = []
  const add = (tag: string, where: string) => {
    const v = versionOfTag(tag, i.tagPrefix)
    // The tag itself is gate 3's business, which says where it was found.
    if (v !== undefined && tag !== i.release.tag) seen.push({ version: v, where })
  }
  for (const r of l.releases) add(r.tag_name, `GitHub ${r.draft ? 'draft release' : 'release'} ${r.tag_name}`)
  for (const t of l.local.keys()) add(t, `local tag ${t}`)
  for (const t of l.remote?.keys() ?? []) add(t, `tag ${t} on origin`)
  const highest = seen.sort((a, b) => semver.rcompare(a.version, b.version))[0]
  if (highest && !semver.gt(i.release.version, highest.version))
    throw new RelsealError(
      'E_NOT_INCREASING',
      `version ${i.release.version} is not greater than ${highest.version}, the highest existing release (${highest.where}); ` +
        `release a higher version, e.g. ${semver.inc(highest.version, 'patch')}`,
    )
  return highest ? `above ${highest.version} (${highest.where})` : 'first release'
}

/**
 * Gate 3: the tag exists nowhere: not locally, not on origin, not on GitHub as a tag or a release
 * (drafts included). Exceptions: a re-run continuing its own release, whose tag may already point at
 * the same commit; and a maintainer-signed tag (require-signed-tag), which must exist at the commit.
 */
function checkDuplicate(i: GateInputs, l: Landscape, commit: string): string {
  const tag = i.release.tag
  const sightings: TagSighting[] = []
  if (l.local.has(tag)) sightings.push({ where: 'locally in the checkout', commit: l.local.get(tag)! })
  if (l.remote?.has(tag)) sightings.push({ where: 'on the remote origin', commit: l.remote.get(tag)! })
  if (l.apiTag) sightings.push({ where: 'as a tag on GitHub', commit: l.apiTag })
  const release = l.releases.find((r) => r.tag_name === tag)
  if (release && release !== l.own)
    throw new RelsealError(
      'E_DUPLICATE_TAG',
      `tag ${tag} already exists as a GitHub ${release.draft ? 'draft release' : 'release'} (id ${release.id}, ${release.html_url}); ` +
        `choose a new version, or delete that release if it was a mistake`,
    )
  const elsewhere = sightings.filter((s) => s.commit !== commit)
  if (!l.own && !i.allowedSigners && sightings.length > 0)
    throw new RelsealError(
      'E_DUPLICATE_TAG',
      `tag ${tag} already exists ${sightings.map((s) => `${s.where} (at ${s.commit.slice(0, 12)})`).join(', ')}; choose a new version`,
    )
  if (elsewhere.length > 0)
    throw new RelsealError(
      'E_DUPLICATE_TAG',
      `tag ${tag} already exists at another commit ${elsewhere.map((s) => `${s.where} (at ${s.commit.slice(0, 12)})`).join(', ')}, not at ${commit}; choose a new version`,
    )
  return l.own ? `continuing release id ${l.own.id} that this run created` : `${tag} is new`
}

/** Gates 2 and 3, each a step of its own. */
export async function versionGates(
  i: GateInputs,
  land: Landscape,
  commit: string,
  step: Step,
): Promise<void> {
  await step(
    'new and increasing',
    () => Promise.resolve(checkIncreasing(i, land)),
    (d) => d,
  )
  await step(
    'duplicate tag',
    () => Promise.resolve(checkDuplicate(i, land, commit)),
    (d) => d,
  )
}
