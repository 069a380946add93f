import * as core from '@actions/core'
import { writeFileSync } from 'node:fs'
import { RelsealError } from '../../../src/errors.js'
import {
  FILES_ASSET,
  MANIFEST_FIELDS,
  verifyManifest,
  type ManifestPayload,
} from '../../../src/manifest/index.js'
import { actionClient } from '../../common/workspace.js'
import {
  createRelease,
  downloadReleaseAsset,
  getReleaseByTag,
  listReleaseAssets,
  putReleaseAsset,
  type GitHubClient,
  type Release,
  type ReleaseAsset,
} from '../../github/index.js'
import type { SignInputs } from './inputs.js'

/**
 * What makes two manifests the same release: every payload field but the signing time and expiry,
 * the run that signed (builder), the tag signer and the schema. A field added to the payload later
 * counts unless it is listed here.
 */
const PER_RUN = new Set<string>(['schema', 'created_at', 'expires_at', 'builder', 'tag_signer'])
const SAME_RELEASE = MANIFEST_FIELDS.filter((f) => !PER_RUN.has(f))

/**
 * A re-run signs again with a new created_at, so its bytes differ from the first run's. When the
 * release already holds a manifest that this key signed for the very same release, keep it: the
 * re-run is then a no-op instead of a conflict.
 */
async function existingEquivalent(
  gh: GitHubClient,
  assets: readonly ReleaseAsset[],
  name: string,
  payload: ManifestPayload,
  { key, tagPrefix }: Pick<SignInputs, 'key' | 'tagPrefix'>,
): Promise<Uint8Array | undefined> {
  const asset = assets.find((a) => a.name === name)
  if (!asset) return undefined
  const bytes = await downloadReleaseAsset(gh, asset)
  try {
    const old = verifyManifest(bytes, { keys: [key], enforceExpiry: false, tagPrefix }).payload
    return SAME_RELEASE.every((f) => JSON.stringify(old[f]) === JSON.stringify(payload[f]))
      ? bytes
      : undefined
  } catch {
    return undefined
  }
}

/** The release of the tag, looked up before anything is signed; nothing is created yet. */
export interface ReleaseLookup {
  gh: GitHubClient
  release?: Release
}

export async function lookUpRelease(inputs: SignInputs): Promise<ReleaseLookup> {
  const gh = actionClient(inputs)
  const release = await getReleaseByTag(gh, inputs.tag)
  return release ? { gh, release } : { gh }
}

/**
 * Puts the signed manifest and the file list on the release (created when missing and allowed).
 * A manifest already there that signs the same release is kept, and written to `manifestPath`.
 * Returns the release's URL.
 */
export async function uploadSigned(
  inputs: SignInputs,
  { gh, release: found }: ReleaseLookup,
  signed: { payload: ManifestPayload; envelope: Uint8Array; manifestPath: string; files: Uint8Array },
): Promise<string> {
  let release = found
  let assets: ReleaseAsset[] = []
  if (release) assets = await listReleaseAssets(gh, release)
  else {
    if (!inputs.createRelease)
      throw new RelsealError(
        'E_GITHUB',
        `release ${inputs.tag} does not exist; create it first or set create-release: true`,
      )
    release = await createRelease(gh, { tag: inputs.tag, target: signed.payload.commit })
    core.info(`created release ${inputs.tag}`)
  }
  const previous = inputs.overwrite
    ? undefined
    : await existingEquivalent(gh, assets, inputs.manifestName, signed.payload, inputs)
  if (previous) {
    core.info(`${inputs.manifestName} on the release already signs this commit and tree: keeping it`)
    writeFileSync(signed.manifestPath, previous)
  }
  // The file list goes up first: once the manifest is visible (it is what consumers look for), the
  // list it names is there to download too.
  for (const [name, data] of [
    [FILES_ASSET, signed.files],
    [inputs.manifestName, previous ?? signed.envelope],
  ] as const) {
    core.info(`${name}: ${await putReleaseAsset(gh, release, name, data, inputs.overwrite, assets)}`)
  }
  return release.html_url
}
