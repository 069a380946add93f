import * as core from '@actions/core'
import { readFileSync, writeFileSync } from 'node:fs'
import { RelsealError } from '../../../src/errors.js'
import {
  FILES_ASSET,
  MANIFEST_FIELDS,
  verifyManifest,
  type ManifestPayload,
} from '../../../src/manifest/index.js'
import { actionClient, type ReleaseFile } from '../../common/workspace.js'
import {
  createRelease,
  downloadReleaseAsset,
  findReleasesByTag,
  immutableReleaseError,
  isAlreadyExists,
  isLocked,
  listReleaseAssets,
  MAX_LISTED_RELEASES,
  putReleaseAsset,
  type GitHubClient,
  type Release,
  type ReleaseAsset,
} from '../../github/index.js'
import type { SignInputs } from './inputs.js'
import { publishRelease } from './publish.js'

/**
 * What makes two manifests the same release: every payload field but the signing time and expiry,
 * the run that signed (builder), the tag signer and the schema. A field added to the payload later
 * counts unless it is listed here.
 */
const PER_RUN = new Set<string>(['schema', 'created_at', 'expires_at', 'builder', 'tag_signer'])
const SAME_RELEASE = MANIFEST_FIELDS.filter((f) => !PER_RUN.has(f))

/**
 * A field as two runs of the same release compare it: a rollout's start is the signing time of its
 * run (unless rollout-start is set), so only its stages must agree; the first run's start stands.
 */
function comparable(p: ManifestPayload, field: (typeof SAME_RELEASE)[number]): unknown {
  return field === 'rollout' ? p.rollout?.stages : p[field]
}

/** Assets uploaded at once before the manifest (GitHub refuses clients that open many at a time). */
const PARALLEL_UPLOADS = 4

/** `work` on every item, at most `limit` at a time; settles once all have, in the items' order. */
async function inTurns<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      try {
        out[i] = { status: 'fulfilled', value: await work(items[i]!) }
      } catch (reason) {
        out[i] = { status: 'rejected', reason }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/** A manifest on the release that this key signed for the very same release. */
interface Equivalent {
  bytes: Uint8Array
  /** Its expires_at when that has passed. */
  expiredAt: string | undefined
}

/**
 * A re-run signs again with a new created_at, so its bytes differ from the first run's. When the
 * release already holds a manifest that this key signed for the very same release, keep it (the
 * re-run is then a no-op instead of a conflict), unless it has expired.
 */
async function existingEquivalent(
  gh: GitHubClient,
  assets: readonly ReleaseAsset[],
  name: string,
  payload: ManifestPayload,
  { key, tagPrefix }: Pick<SignInputs, 'key' | 'tagPrefix'>,
): Promise<Equivalent | undefined> {
  const asset = assets.find((a) => a.name === name && (a.state ?? 'uploaded') === 'uploaded')
  if (!asset) return undefined
  const bytes = await downloadReleaseAsset(gh, asset)
  try {
    const old = verifyManifest(bytes, { keys: [key], enforceExpiry: false, tagPrefix }).payload
    if (
      !SAME_RELEASE.every(
        (f) => JSON.stringify(comparable(old, f)) === JSON.stringify(comparable(payload, f)),
      )
    )
      return undefined
    const expired = old.expires_at !== undefined && Date.parse(old.expires_at) <= Date.now()
    return { bytes, expiredAt: expired ? old.expires_at : undefined }
  } catch {
    return undefined
  }
}

/** The release of the tag and its assets, looked up before anything is signed; nothing is created. */
export interface ReleaseLookup {
  gh: GitHubClient
  release?: Release
  assets: ReleaseAsset[]
}

/** The published release of the tag, else its newest draft (drafts made by release-gate or others). */
async function findRelease(gh: GitHubClient, tag: string): Promise<Release | undefined> {
  const found = await findReleasesByTag(gh, tag)
  if (!found.complete)
    core.warning(
      `the repository has more releases than the ${MAX_LISTED_RELEASES} GitHub lists: a draft of ${tag} older than those is not seen`,
    )
  const release = found.published ?? found.drafts[0]
  const others = found.drafts.filter((d) => d !== release)
  if (release && others.length > 0)
    core.warning(
      `${tag} has ${others.length} other draft release(s) (id ${others.map((d) => d.id).join(', ')}); signing ` +
        `${release.draft ? 'the newest draft' : 'the published release'}, id ${release.id}; delete the others`,
    )
  return release
}

/**
 * Finds the release of the tag. A published immutable release without the manifest stops the run
 * here, before anything is signed, created or uploaded: nothing can ever be added to it.
 */
export async function lookUpRelease(inputs: SignInputs): Promise<ReleaseLookup> {
  const gh = actionClient(inputs)
  const release = await findRelease(gh, inputs.tag)
  if (!release) return { gh, assets: [] }
  const assets = await listReleaseAssets(gh, release)
  if (isLocked(release) && !assets.some((a) => a.name === inputs.manifestName))
    throw immutableReleaseError(release, `${inputs.manifestName} can never be added to it`)
  core.info(`found ${release.draft ? 'draft' : 'published'} release ${release.tag_name} (id ${release.id})`)
  return { gh, release, assets }
}

/**
 * Creates the tag's release as a draft. When GitHub answers 422 already_exists, another job published
 * a release of the tag since the lookup: look once more and use that one.
 */
async function createDraft(
  gh: GitHubClient,
  inputs: SignInputs,
  commit: string,
): Promise<{ release: Release; assets: ReleaseAsset[] }> {
  if (!inputs.createRelease)
    throw new RelsealError(
      'E_GITHUB',
      `release ${inputs.tag} does not exist; create it first or set create-release: true`,
    )
  try {
    const release = await createRelease(gh, { tag: inputs.tag, target: commit, draft: true })
    core.info(`created draft release ${inputs.tag} (id ${release.id})`)
    return { release, assets: [] }
  } catch (e) {
    if (!isAlreadyExists(e)) throw e
    const release = await findRelease(gh, inputs.tag)
    if (!release) throw e
    core.info(`release ${inputs.tag} appeared meanwhile (id ${release.id}); signing that one`)
    return { release, assets: await listReleaseAssets(gh, release) }
  }
}

/**
 * Puts the artifacts (with upload-artifacts), the file list and the signed manifest on the release,
 * creating it as a draft when there is none, then publishes a draft (with publish). A manifest
 * already there that signs the same release and has not expired is kept, and written to
 * `manifestPath`. Returns the release.
 */
export async function uploadSigned(
  inputs: SignInputs,
  lookup: ReleaseLookup,
  signed: {
    payload: ManifestPayload
    envelope: Uint8Array
    manifestPath: string
    files: Uint8Array
    artifacts: ReleaseFile[]
    /** [asset name, bytes] of verified trust roots, uploaded before the manifest. */
    trustRoots?: [string, Uint8Array][]
  },
): Promise<Release> {
  const { gh } = lookup
  const { release, assets } = lookup.release
    ? { release: lookup.release, assets: lookup.assets }
    : await createDraft(gh, inputs, signed.payload.commit)
  const name = inputs.manifestName
  const previous = inputs.overwrite
    ? undefined
    : await existingEquivalent(gh, assets, name, signed.payload, inputs)
  let manifest = signed.envelope
  if (previous?.expiredAt !== undefined) {
    if (isLocked(release))
      throw immutableReleaseError(release, `its ${name} (expired ${previous.expiredAt}) cannot be replaced`)
    core.info(
      `${name} on the release signs this commit and tree but expired ${previous.expiredAt}: replacing it`,
    )
  } else if (previous) {
    core.info(`${name} on the release already signs this commit and tree: keeping it`)
    manifest = previous.bytes
    writeFileSync(signed.manifestPath, manifest)
  }
  // Artifacts, then the file list, then the manifest: once the manifest is visible (it is what
  // consumers look for), everything it names is there to download too.
  const uploads: [string, Uint8Array, boolean][] = [
    ...(inputs.uploadArtifacts
      ? signed.artifacts.map((a): [string, Uint8Array, boolean] => [
          a.name,
          readFileSync(a.path),
          inputs.overwrite,
        ])
      : []),
    [FILES_ASSET, signed.files, inputs.overwrite],
    ...(signed.trustRoots ?? []).map(([n, bytes]): [string, Uint8Array, boolean] => [
      n,
      bytes,
      inputs.overwrite,
    ]),
    [name, manifest, inputs.overwrite || previous?.expiredAt !== undefined],
  ]
  // Everything but the manifest goes up a few at a time (each asset is its own requests, by its own
  // name); the manifest only once all of them are there.
  const [last] = uploads.splice(-1)
  const outcomes = await inTurns(uploads, PARALLEL_UPLOADS, ([asset, data, replace]) =>
    putReleaseAsset(gh, release, asset, data, replace, assets),
  )
  uploads.forEach(([asset], i) => {
    const o = outcomes[i]!
    if (o.status === 'fulfilled') core.info(`${asset}: ${o.value}`)
  })
  const failed = outcomes.find((o) => o.status === 'rejected')
  if (failed) throw failed.reason
  const [asset, data, replace] = last!
  core.info(`${asset}: ${await putReleaseAsset(gh, release, asset, data, replace, assets)}`)
  if (release.draft && inputs.publish) return publishRelease(gh, release, inputs.version)
  if (release.draft) core.info(`release ${release.tag_name} stays a draft (publish: false)`)
  return release
}
