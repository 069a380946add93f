import { createHash } from 'node:crypto'
import { RelsealError } from '../../src/errors.js'
import { checkAssetName } from './asset-name.js'
import type { GitHubClient } from './client.js'
import { isAlreadyExists } from './errors.js'
import {
  deleteReleaseAsset,
  downloadReleaseAsset,
  listReleaseAssets,
  renameReleaseAsset,
  uploadReleaseAsset,
  type Release,
  type ReleaseAsset,
} from './releases.js'

export type AssetOutcome = 'uploaded' | 'unchanged' | 'replaced'

/** True for a release whose assets GitHub no longer lets anyone add, change or delete. */
export const isLocked = (release: Release) => !release.draft && release.immutable === true

/**
 * The one refusal for a published immutable release. GitHub, "Immutable releases": once such a
 * release is published its assets cannot be added, modified or deleted and its tag cannot move;
 * the documented flow is to create a draft, attach every asset, then publish.
 * https://docs.github.com/en/code-security/concepts/supply-chain-security/immutable-releases
 */
export function immutableReleaseError(release: Release, what: string): RelsealError {
  return new RelsealError(
    'E_IMMUTABLE_RELEASE',
    `release ${release.tag_name} is published and immutable (the repository's "immutable releases" setting ` +
      `is on), so ${what}. Sign while the release is a draft: create the release as a draft (or let ` +
      'sign-release create it), upload every asset, let sign-release sign and publish it last; ' +
      'a published immutable release needs a new version',
    { details: { releaseId: release.id } },
  )
}

/** Whether an asset on GitHub holds exactly `data`: by digest when GitHub gives one, else by download. */
export async function assetHolds(gh: GitHubClient, asset: ReleaseAsset, data: Uint8Array): Promise<boolean> {
  if (asset.size !== data.length) return false
  if (typeof asset.digest === 'string' && asset.digest.startsWith('sha256:'))
    return asset.digest === `sha256:${createHash('sha256').update(data).digest('hex')}`
  return (await downloadReleaseAsset(gh, asset)).equals(Buffer.from(data))
}

/** GitHub's 422 "Cannot upload assets to an immutable release." (wrapped in a RelsealError). */
function saysImmutable(e: unknown): boolean {
  const raw = (e instanceof RelsealError ? e.cause : e) as
    { status?: number; response?: { data?: { message?: unknown } } } | undefined
  const message = raw?.response?.data?.message
  return raw?.status === 422 && typeof message === 'string' && message.includes('immutable release')
}

/** A complete asset; anything else (GitHub's `starter` after a failed upload) is a leftover. */
const isComplete = (a: ReleaseAsset) => a.state === undefined || a.state === 'uploaded'

/**
 * Uploads `name`, recovering from what an interrupted attempt leaves. GitHub's upload-release-asset
 * documentation: "When an upstream failure occurs, you will receive a 502 Bad Gateway status. This
 * may leave an empty asset with a state of starter. It can be safely deleted." The client's retry
 * of that 502 then meets 422 already_exists for the leftover; an asset of this name that was not
 * there before (a starter, or one whose size or digest differs) is deleted and the upload made once
 * more, and one that holds these very bytes means the first attempt got through.
 */
async function uploadRecovering(
  gh: GitHubClient,
  release: Release,
  name: string,
  data: Uint8Array,
): Promise<ReleaseAsset> {
  try {
    return await uploadReleaseAsset(gh, release, name, data)
  } catch (e) {
    // Published (and so locked) by someone else since it was read: say so, with the flow to use.
    if (saysImmutable(e))
      throw immutableReleaseError(release, `${name} cannot be uploaded (GitHub refused it)`)
    if (!isAlreadyExists(e)) throw e
    const left = (await listReleaseAssets(gh, release)).find((a) => a.name === name)
    if (!left) throw e
    if (isComplete(left) && (await assetHolds(gh, left, data))) return left
    await deleteReleaseAsset(gh, left)
    return uploadReleaseAsset(gh, release, name, data)
  }
}

/**
 * Puts an asset on a release idempotently: the same bytes already there are left alone; other
 * bytes fail unless `overwrite`. A leftover of a failed upload (state `starter`) is deleted first.
 * Replacing uploads the new bytes under a temporary name first, then deletes the old asset and
 * renames the new one, so the release always holds a complete copy (GitHub has no atomic replace;
 * by name, the gap is the one rename request). The name is checked before any request.
 */
export async function putReleaseAsset(
  gh: GitHubClient,
  release: Release,
  name: string,
  data: Uint8Array,
  overwrite: boolean,
  /** The release's assets when the caller has just listed them; listed here otherwise. */
  listed?: readonly ReleaseAsset[],
): Promise<AssetOutcome> {
  checkAssetName(name, `release asset ${name}`)
  const assets = listed ?? (await listReleaseAssets(gh, release))
  const existing = assets.find((a) => a.name === name && isComplete(a))
  if (existing && (await assetHolds(gh, existing, data))) return 'unchanged'
  if (isLocked(release)) throw immutableReleaseError(release, `${name} cannot be uploaded or replaced`)
  // A temp asset left by a run that died mid-replace, and a starter left by a failed upload, go first.
  for (const stale of assets.filter(
    (a) => a.name.startsWith(`${name}.relseal-new-`) || (a.name === name && !isComplete(a)),
  ))
    await deleteReleaseAsset(gh, stale)
  if (!existing) {
    await uploadRecovering(gh, release, name, data)
    return 'uploaded'
  }
  if (!overwrite) {
    throw new RelsealError(
      'E_GITHUB',
      `release ${release.tag_name} already has a different ${name}; set overwrite: true to replace it, or delete it first`,
    )
  }
  const temp = await uploadRecovering(gh, release, `${name}.relseal-new-${Date.now()}`, data)
  await deleteReleaseAsset(gh, existing)
  await renameReleaseAsset(gh, temp, name)
  return 'replaced'
}
