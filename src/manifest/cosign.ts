import { basename } from 'node:path'
import { RelsealError } from '../errors.js'
import type { PublicKeyInfo } from '../keys/key-formats.js'
import type { SignerOrKey } from '../keys/signer.js'
import { hashFile, hashTree } from '../tree/index.js'
import { MANIFEST_PAYLOAD_TYPE, parseEnvelope } from './dsse.js'
import type { ManifestArtifact, ManifestPayload } from './payload.js'
import { resolveRelease } from './release-facts.js'
import { appendSignatureWith } from './sign.js'
import { verifyEverySignature, verifyManifest } from './verify.js'

export interface CosignOptions {
  /** The envelope as the first signer wrote it. */
  envelope: Uint8Array
  /** The co-signer's key, or any Signer (ssh-agent, exec:). */
  key: SignerOrKey
  /** Public keys every existing signature must verify under. */
  existingSigners: PublicKeyInfo[]
  /** The co-signer's own clone of the repository. */
  dir: string
  /** Paths of the artifacts; together they must be exactly the payload's artifacts. */
  artifacts: string[]
  /** owner/name; default: from `dir`'s origin remote. */
  repository?: string
  /** Tags are `<tagPrefix><version>`; default '' means `v<version>` or `<version>`. */
  tagPrefix?: string
  now?: Date
}

function mismatch(field: string, inManifest: unknown, computed: unknown, hint: string): RelsealError {
  return new RelsealError(
    'E_PAYLOAD_MISMATCH',
    `the manifest's ${field} is ${JSON.stringify(inManifest)}, but the co-signer computed ${JSON.stringify(computed)}; ` +
      `${hint}; nothing was signed`,
    { details: { field, manifest: inManifest, computed } },
  )
}

/** The artifacts must be the same set of names with the same sizes and digests. */
function compareArtifacts(listed: ManifestArtifact[], computed: ManifestArtifact[]): void {
  const byName = new Map(computed.map((a) => [a.name, a]))
  for (const [i, a] of listed.entries()) {
    const got = byName.get(a.name)
    const hint = `pass every artifact of the release with --artifact, as downloaded or built by you`
    if (got === undefined)
      throw mismatch(`artifacts[${i}].name`, a.name, null, `${hint}; ${a.name} was not given`)
    if (got.size !== a.size) throw mismatch(`artifacts[${i}].size`, a.size, got.size, hint)
    if (got.sha256 !== a.sha256) throw mismatch(`artifacts[${i}].sha256`, a.sha256, got.sha256, hint)
    byName.delete(a.name)
  }
  const extra = [...byName.keys()]
  if (extra.length > 0)
    throw mismatch(
      'artifacts',
      listed.map((a) => a.name),
      [...listed.map((a) => a.name), ...extra],
      `the manifest does not list ${extra.join(', ')}; a co-signer vouches for the release's exact artifact list`,
    )
}

/**
 * `relseal sign --append`: a second signer re-derives every fact of the payload from its own
 * repository and files before adding its signature (docs/manifest-spec.md, "What a co-signer
 * checks"). Existing signatures are verified before any payload field is read; then the payload's
 * tag is resolved in `dir`, must point at the payload's commit, that commit is hashed, and
 * repository, version, commit, code_hash, file_manifest_hash, file_count and artifacts must all
 * equal what was computed (E_PAYLOAD_MISMATCH naming the first field that differs).
 *
 * @example
 * const { envelope } = await cosignManifest({ envelope: bytes, key, existingSigners: [ciKey], dir: '.', artifacts: ['dist/app.tgz'] })
 */
export async function cosignManifest(
  o: CosignOptions,
): Promise<{ envelope: Uint8Array; payload: ManifestPayload }> {
  if (o.existingSigners.length === 0)
    throw new RelsealError(
      'E_USAGE',
      'a co-signer must verify the existing signatures first; pass the public key of each existing signer (--pubkey)',
    )
  const env = parseEnvelope(o.envelope)
  if (env.payloadType !== MANIFEST_PAYLOAD_TYPE)
    throw new RelsealError(
      'E_BAD_INPUT',
      `the envelope's payloadType is ${JSON.stringify(env.payloadType)}, not a relseal manifest`,
    )
  verifyEverySignature(env, o.existingSigners)
  // Verified: only now is the payload read (and its tag/version binding and expiry checked).
  const { payload } = verifyManifest(o.envelope, {
    keys: o.existingSigners,
    ...(o.tagPrefix !== undefined ? { tagPrefix: o.tagPrefix } : {}),
    ...(o.now !== undefined ? { now: o.now } : {}),
  })
  const facts = await resolveRelease({
    dir: o.dir,
    tag: payload.tag,
    ...(o.repository !== undefined ? { repository: o.repository } : {}),
    ...(o.tagPrefix !== undefined ? { tagPrefix: o.tagPrefix } : {}),
  })
  if (payload.repository.toLowerCase() !== facts.repository.toLowerCase())
    throw mismatch(
      'repository',
      payload.repository,
      facts.repository,
      'co-sign in a clone of the released repository, or pass --repository',
    )
  if (payload.version !== facts.version)
    throw mismatch('version', payload.version, facts.version, 'the tag names another version')
  if (payload.commit !== facts.commit)
    throw mismatch(
      'commit',
      payload.commit,
      facts.commit,
      `tag ${payload.tag} points elsewhere in your clone; fetch the tags and compare with the first signer`,
    )
  const tree = await hashTree({ dir: o.dir, rev: facts.commit })
  const treeHint = `the first signer hashed something other than commit ${facts.commit}`
  if (payload.code_hash !== tree.codeHash)
    throw mismatch('code_hash', payload.code_hash, tree.codeHash, treeHint)
  if (payload.file_manifest_hash !== tree.fileManifestHash)
    throw mismatch('file_manifest_hash', payload.file_manifest_hash, tree.fileManifestHash, treeHint)
  if (payload.file_count !== tree.files)
    throw mismatch('file_count', payload.file_count, tree.files, treeHint)
  const artifacts: ManifestArtifact[] = []
  for (const path of o.artifacts) {
    if (artifacts.some((a) => a.name === basename(path)))
      throw new RelsealError(
        'E_USAGE',
        `two --artifact files are named ${basename(path)}; a release's artifact names are unique`,
      )
    const { sha256, size } = await hashFile(path)
    artifacts.push({ name: basename(path), size, sha256 })
  }
  compareArtifacts(payload.artifacts, artifacts)
  return { envelope: await appendSignatureWith(o.envelope, o.key, o.existingSigners), payload }
}
