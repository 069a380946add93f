import * as core from '@actions/core'
import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { isRelsealError, RelsealError } from '../../../src/errors.js'
import { parsePublicKey } from '../../../src/keys/index.js'
import { parseDuration } from '../../../src/manifest/duration.js'
import {
  FILES_ASSET,
  MANIFEST_SCHEMA,
  MANIFEST_SCHEMA_V2,
  parseRolloutPlan,
  signManifestWith,
  verifyManifest,
  type ManifestArtifact,
  type ManifestPayload,
} from '../../../src/manifest/index.js'
import { hashTree } from '../../../src/tree/index.js'
import { verifyTagForCommit } from '../../../src/tag/index.js'
import {
  parseTrustRoot,
  readTrustRootFile,
  trustRootName,
  verifyTrustRootChain,
} from '../../../src/trust/trust-root.js'
import { readRepoFile } from '../../common/inputs.js'
import { assertHeadIs, hashReleaseFiles, matchFiles, type ReleaseFile } from '../../common/workspace.js'
import { checkAssetName } from '../../github/asset-name.js'
import { readInputs, type SignInputs } from './inputs.js'
import type { Release } from '../../github/index.js'
import { runAction } from '../../common/inputs.js'
import { lookUpRelease, uploadSigned } from './upload.js'
import { writeSummary } from './summary.js'
import { readWithdrawalInputs, uploadWithdrawal } from './withdrawal.js'
import type { EarlyHash } from './early.js'

const utcSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

/** The files `artifacts` matches; with upload-artifacts their names are checked before any request. */
async function findArtifacts(inputs: SignInputs): Promise<string[]> {
  const files = await matchFiles(inputs.artifacts)
  if (inputs.artifacts.length > 0 && files.length === 0)
    throw new RelsealError(
      'E_BAD_INPUT',
      `input artifacts matched no file (${inputs.artifacts.join(', ')}); build them before signing`,
    )
  if (inputs.uploadArtifacts && inputs.upload)
    for (const f of files) checkAssetName(basename(f), `artifact ${f}`)
  return files
}

/**
 * The trust roots `trust-roots` matches: each named trust-root.<N>.json for its own version,
 * consecutive, and a chain that verifies now (docs/trust-root.md), so a release never publishes a
 * root its clients would refuse. Returned as [asset name, bytes], oldest first.
 */
async function findTrustRoots(inputs: SignInputs): Promise<[string, Uint8Array][]> {
  if (inputs.trustRoots.length === 0) return []
  const files = await matchFiles(inputs.trustRoots)
  if (files.length === 0)
    throw new RelsealError(
      'E_BAD_INPUT',
      `input trust-roots matched no file (${inputs.trustRoots.join(', ')}); pass the trust-root.<N>.json files`,
    )
  const roots = await Promise.all(
    files.map(async (f) => {
      const bytes = await readTrustRootFile(f)
      const version = parseTrustRoot(bytes).untrustedPayload.version
      if (basename(f) !== trustRootName(version))
        throw new RelsealError(
          'E_BAD_INPUT',
          `trust root ${f} holds version ${version}; name it ${trustRootName(version)}, as clients look for it`,
        )
      return { version, bytes }
    }),
  )
  roots.sort((x, y) => x.version - y.version)
  const steps = verifyTrustRootChain(roots.map((r) => r.bytes))
  core.info(`trust roots ${roots.map((r) => r.version).join(', ')} verify as a chain`)
  return steps.map((s) => [trustRootName(s.payload.version), s.bytes])
}

const listed = (files: ReleaseFile[]): ManifestArtifact[] =>
  files.map(({ name, size, sha256 }) => ({ name, size, sha256 }))

/** A maintainer's SSH signature on the tag, a second trust domain beside the CI key. */
async function verifyTag(
  dir: string,
  inputs: SignInputs,
): Promise<{ principal: string; fingerprint: string }> {
  core.startGroup(`Verifying the SSH signature of tag ${inputs.tag}`)
  const allowedSigners = readRepoFile(dir, inputs.allowedSigners!, 'allowed-signers')
  const v = await verifyTagForCommit({ repoDir: dir, tag: inputs.tag, commit: inputs.commit, allowedSigners })
  core.info(`tag ${v.tag} signed by ${v.principal} (${v.fingerprint})`)
  core.endGroup()
  return { principal: v.principal, fingerprint: v.fingerprint }
}

/** Signs and (optionally) uploads; returns the outputs. Everything it logs is safe to show. */
export async function sign(inputs: SignInputs, early?: EarlyHash): Promise<Record<string, string>> {
  const dir = resolve(inputs.workspace, inputs.path)
  core.startGroup(`Hashing ${inputs.commit} from the object store`)
  await assertHeadIs(
    dir,
    inputs.commit,
    'commit',
    'check out that commit (actions/checkout with ref) or set commit',
  )
  const artifactFiles = await findArtifacts(inputs)
  const trustRoots = await findTrustRoots(inputs)
  // git streams the blobs and this thread mostly waits for them, so the release is looked up
  // meanwhile; nothing is created or uploaded until the manifest is signed and re-verified.
  const [hashed, found] = await Promise.allSettled([
    early !== undefined && early.dir === dir && early.commit === inputs.commit
      ? early.result
      : hashTree({ dir, rev: inputs.commit }),
    inputs.upload ? lookUpRelease(inputs) : undefined,
  ])
  if (hashed.status === 'rejected') throw hashed.reason
  if (found.status === 'rejected') throw found.reason
  const tree = hashed.value
  core.info(`${tree.files} entries, ${tree.bytes} bytes, code hash ${tree.codeHash}`)
  const artifacts = await hashReleaseFiles(artifactFiles, 'E_BAD_INPUT')
  core.endGroup()
  const tagSigner = inputs.allowedSigners === undefined ? undefined : await verifyTag(dir, inputs)

  core.startGroup('Signing the manifest')
  const now = new Date()
  const rollout = inputs.rollout
    ? parseRolloutPlan(inputs.rollout, inputs.rolloutStart || utcSeconds(now), 'input rollout')
    : undefined
  const payload: ManifestPayload = {
    schema: rollout ? MANIFEST_SCHEMA_V2 : MANIFEST_SCHEMA,
    repository: inputs.repository,
    tag: inputs.tag,
    version: inputs.version,
    commit: tree.commit!,
    code_hash: tree.codeHash,
    file_manifest_hash: tree.fileManifestHash,
    file_count: tree.files,
    artifacts: listed(artifacts),
    created_at: utcSeconds(now),
    ...(inputs.expiresIn
      ? {
          expires_at: utcSeconds(
            new Date(now.getTime() + parseDuration(inputs.expiresIn, 'input expires-in') * 1000),
          ),
        }
      : {}),
    ...(Object.keys(inputs.builder).length ? { builder: inputs.builder } : {}),
    ...(tagSigner ? { tag_signer: tagSigner } : {}),
    ...(rollout ? { rollout } : {}),
  }
  const envelope = await signManifestWith(payload, [inputs.key])
  if (inputs.publicKey) {
    const trusted = parsePublicKey(inputs.publicKey, 'input public-key')
    try {
      verifyManifest(envelope, { keys: [trusted], now, tagPrefix: inputs.tagPrefix })
    } catch (e) {
      if (isRelsealError(e, 'E_UNTRUSTED_KEY')) {
        throw new RelsealError(
          'E_UNTRUSTED_KEY',
          `the signing key does not match public-key (signing key ${inputs.key.keyId}, public-key ${trusted.keyId}); nothing was uploaded`,
        )
      }
      throw e
    }
    core.info(`verified with the trusted public key ${trusted.keyId}`)
  } else core.warning('public-key is empty: the signature was not checked against the key consumers trust')
  const outDir = join(inputs.runnerTemp, 'relseal')
  mkdirSync(outDir, { recursive: true })
  const manifestPath = join(outDir, inputs.manifestName)
  const filesPath = join(outDir, FILES_ASSET)
  writeFileSync(manifestPath, envelope)
  // As bytes: the manifest's text would be made from them only to be encoded back, twice.
  writeFileSync(filesPath, tree.fileManifestBytes)
  core.endGroup()

  let release: Release | undefined
  if (inputs.upload) {
    core.startGroup(`Uploading to release ${inputs.tag}`)
    release = await uploadSigned(inputs, found.value!, {
      payload,
      envelope,
      manifestPath,
      files: tree.fileManifestBytes,
      artifacts,
      trustRoots,
    })
    core.endGroup()
  }
  const releaseUrl = release?.html_url ?? ''
  await writeSummary(payload, inputs.key.keyId, releaseUrl || undefined)
  return {
    'manifest-path': manifestPath,
    'files-path': filesPath,
    'code-hash': tree.codeHash,
    'file-manifest-hash': tree.fileManifestHash,
    keyid: inputs.key.keyId,
    version: payload.version,
    commit: payload.commit,
    'release-url': releaseUrl,
    'release-id': release ? String(release.id) : '',
    'release-state': release ? (release.draft ? 'draft' : 'published') : '',
  }
}

/**
 * The action (index.ts calls it; so does `npx @github/local-action run . src/main.ts .env`). With
 * input `withdrawal` it signs nothing and uploads that signed withdrawal statement instead.
 */
export const run = (early?: EarlyHash): Promise<void> =>
  core.getInput('withdrawal') !== ''
    ? runAction(() => readWithdrawalInputs(), uploadWithdrawal)
    : runAction(
        () => readInputs(),
        (inputs) => sign(inputs, early),
      )
