import { RelsealError } from '../../src/errors.js'
import type { GitHubClient } from './client.js'
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

/**
 * Puts an asset on a release idempotently: the same bytes already there are left alone; other
 * bytes fail unless `overwrite`. Replacing uploads the new bytes under a temporary name first, then
 * deletes the old asset and renames the new one, so the release always holds a complete copy
 * (GitHub has no atomic replace; by name, the gap is the one rename request).
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
  const assets = listed ?? (await listReleaseAssets(gh, release))
  // A temp asset left by a run that died mid-replace is removed first.
  for (const stale of assets.filter((a) => a.name.startsWith(`${name}.relseal-new-`)))
    await deleteReleaseAsset(gh, stale)
  const existing = assets.find((a) => a.name === name)
  if (!existing) {
    await uploadReleaseAsset(gh, release, name, data)
    return 'uploaded'
  }
  if (existing.size === data.length && (await downloadReleaseAsset(gh, existing)).equals(Buffer.from(data)))
    return 'unchanged'
  if (!overwrite) {
    throw new RelsealError(
      'E_GITHUB',
      `release ${release.tag_name} already has a different ${name}; set overwrite: true to replace it, or delete it first`,
    )
  }
  const temp = await uploadReleaseAsset(gh, release, `${name}.relseal-new-${Date.now()}`, data)
  await deleteReleaseAsset(gh, existing)
  await renameReleaseAsset(gh, temp, name)
  return 'replaced'
}
