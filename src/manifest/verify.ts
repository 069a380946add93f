import { createHash } from 'node:crypto'
import semver from 'semver'
import { RelsealError } from '../errors.js'
import { verifyDetached } from '../keys/ed25519.js'
import type { PublicKeyInfo } from '../keys/key-formats.js'
import { escapeUntrusted } from '../text/escape.js'
import { resolvePolicy, type ResolvedPolicy, type TrustPolicy } from '../trust/policy.js'
import {
  MANIFEST_PAYLOAD_TYPE,
  MAX_MANIFEST_BYTES,
  parseEnvelope,
  preAuthEncoding,
  type UntrustedEnvelope,
} from './dsse.js'
import { parsePayload, type ManifestPayload } from './payload.js'
import { assertTagMatchesVersion } from './tag-version.js'
import { readBoundedFile } from './read-bounded.js'

export interface VerifiedManifest {
  payload: ManifestPayload
  /** Distinct trusted keys whose signature verified, sorted. */
  keyIds: string[]
  /** `sha256:<hex>` of the envelope bytes. */
  digest: string
  /** The exact payload bytes that were verified. */
  payloadBytes: Uint8Array
}

/** A key id as shown in messages: cut to 16 characters and escaped, since it may be untrusted. */
const short = (id: string): string => escapeUntrusted(id, 16)

/**
 * Counts distinct trusted keys with a valid signature (docs/manifest-spec.md, "Verification
 * order" step 4). The work is bounded: parseEnvelope refused more than MAX_SIGNATURES; a
 * signature with a keyid is tried against that one trusted key only (ids are compared before any
 * crypto, as minisign does); a signature without one is tried against each trusted key not yet
 * verified, and counts for the first that verifies it. So each signature costs at most one
 * verification per trusted key, and a key once verified is never tried again.
 */
export function verifiedKeyIds(
  env: UntrustedEnvelope,
  policy: ResolvedPolicy,
): { good: Set<string>; bad: Set<string> } {
  const pae = preAuthEncoding(env.payloadType, env.untrustedPayload)
  const good = new Set<string>()
  const bad = new Set<string>()
  for (const s of env.signatures) {
    if (s.keyid !== '') {
      const key = policy.keys.get(s.keyid)
      if (key === undefined || good.has(key.keyId)) continue
      if (s.sig && verifyDetached(key.publicKey, pae, s.sig)) good.add(key.keyId)
      else bad.add(key.keyId)
      continue
    }
    if (!s.sig) continue
    for (const key of policy.keys.values()) {
      if (good.has(key.keyId)) continue
      if (verifyDetached(key.publicKey, pae, s.sig)) {
        good.add(key.keyId)
        break
      }
    }
  }
  return { good, bad }
}

/** Throws E_BAD_SIGNATURE, E_UNTRUSTED_KEY or E_THRESHOLD unless enough trusted keys verified `what`. */
export function refuseUnverified(
  env: UntrustedEnvelope,
  policy: ResolvedPolicy,
  good: Set<string>,
  bad: Set<string>,
  what = 'manifest',
): void {
  const trusted = [...policy.keys.keys()].map(short).join(', ')
  if (good.size === 0 && bad.size > 0) {
    throw new RelsealError(
      'E_BAD_SIGNATURE',
      `the signature by trusted key ${[...bad].map(short).join(', ')} does not verify: the ${what} was altered after signing, or it is corrupt; ` +
        `download it again from the release, and do not install it`,
    )
  }
  if (good.size === 0) {
    const seen = env.signatures.map((s) => (s.keyid === '' ? '(no key id)' : short(s.keyid))).join(', ')
    throw new RelsealError(
      'E_UNTRUSTED_KEY',
      `the ${what} is signed by key(s) ${seen}, which the trust policy does not list (trusted: ${trusted}); ` +
        `add the release public key to the trusted keys, or re-sign with a listed key`,
    )
  }
  if (good.size < policy.threshold) {
    throw new RelsealError(
      'E_THRESHOLD',
      `${good.size} distinct trusted key(s) signed (${[...good].map(short).join(', ')}) but the policy needs ${policy.threshold}; ` +
        `have another trusted key add its signature (relseal ${what === 'manifest' ? 'sign' : 'withdraw'} --append)`,
    )
  }
}

function checkPayloadPolicy(payload: ManifestPayload, policy: ResolvedPolicy): void {
  // The version is what the updater orders releases by; bound to the signed tag, an old commit
  // cannot be relabelled as a newer version (docs/manifest-spec.md, "Tag and version").
  assertTagMatchesVersion(payload.tag, payload.version, policy.tagPrefix)
  if (
    policy.repository !== undefined &&
    payload.repository.toLowerCase() !== policy.repository.toLowerCase()
  ) {
    throw new RelsealError(
      'E_REPOSITORY_MISMATCH',
      `the manifest is for ${payload.repository}, not ${policy.repository}; use the manifest published by ${policy.repository}`,
    )
  }
  if (
    policy.enforceExpiry &&
    payload.expires_at !== undefined &&
    policy.now.getTime() > Date.parse(payload.expires_at)
  ) {
    throw new RelsealError(
      'E_EXPIRED',
      `the manifest for ${payload.version} expired at ${payload.expires_at}; ask the publisher to re-sign it, or install a newer release`,
    )
  }
  if (policy.minVersion !== undefined && semver.lt(payload.version, policy.minVersion)) {
    throw new RelsealError(
      'E_DOWNGRADE',
      `the manifest is for ${payload.version}, below the minimum version ${policy.minVersion}; install ${policy.minVersion} or newer`,
    )
  }
}

/**
 * Verifies a release manifest (DSSE envelope bytes) with a trust policy, in the order of
 * docs/manifest-spec.md: size, envelope, payload type, signatures over the exact payload bytes,
 * threshold — and only then parses the payload and checks the tag/version binding, repository,
 * expiry and minimum version.
 *
 * @example
 * const { payload } = verifyManifest(readFileSync('release_manifest.json'), { keys: [parsePublicKey(pub, 'pub')] })
 */
export function verifyManifest(envelope: Uint8Array, policy: TrustPolicy): VerifiedManifest {
  const resolved = resolvePolicy(policy)
  const env = parseEnvelope(envelope)
  if (env.payloadType !== MANIFEST_PAYLOAD_TYPE) {
    throw new RelsealError(
      'E_BAD_INPUT',
      `the envelope's payloadType is "${escapeUntrusted(env.payloadType)}", not ${MANIFEST_PAYLOAD_TYPE}: this is not a relseal release manifest`,
    )
  }
  if (env.signatures.length === 0) {
    throw new RelsealError(
      'E_UNSIGNED',
      'the manifest has no signature; only install releases signed by the release key (relseal sign)',
    )
  }
  const { good, bad } = verifiedKeyIds(env, resolved)
  refuseUnverified(env, resolved, good, bad)
  // Verified: only now is any payload field read.
  const payload = parsePayload(env.untrustedPayload)
  checkPayloadPolicy(payload, resolved)
  return {
    payload,
    keyIds: [...good].sort(),
    digest: `sha256:${createHash('sha256').update(envelope).digest('hex')}`,
    payloadBytes: env.untrustedPayload,
  }
}

/**
 * Requires EVERY signature of an envelope to verify under one of `keys` — stricter than
 * verifyManifest, which ignores unknown keys. A co-signer calls it before adding its signature,
 * so it never vouches for a broken or unknown envelope (docs/manifest-spec.md, "What a
 * co-signer checks"). Throws E_UNSIGNED, E_UNTRUSTED_KEY or E_BAD_SIGNATURE.
 */
export function verifyEverySignature(env: UntrustedEnvelope, keys: PublicKeyInfo[]): void {
  if (env.signatures.length === 0)
    throw new RelsealError(
      'E_UNSIGNED',
      'the manifest has no signature to add to; the first signer runs relseal sign without --append',
    )
  const byId = new Map(keys.map((k) => [k.keyId, k]))
  const pae = preAuthEncoding(env.payloadType, env.untrustedPayload)
  for (const [i, s] of env.signatures.entries()) {
    const candidates =
      s.keyid === '' ? [...byId.values()] : [byId.get(s.keyid)].filter((k) => k !== undefined)
    if (candidates.length === 0)
      throw new RelsealError(
        'E_UNTRUSTED_KEY',
        `signature ${i + 1} is by key ${short(s.keyid)}, which is not among the --pubkey keys; ` +
          `pass the public key of every existing signer, and co-sign only manifests whose signers you know`,
      )
    if (!s.sig || !candidates.some((k) => verifyDetached(k.publicKey, pae, s.sig!)))
      throw new RelsealError(
        'E_BAD_SIGNATURE',
        `signature ${i + 1}${s.keyid === '' ? '' : ` by key ${short(s.keyid)}`} does not verify: the manifest was altered or is corrupt; ` +
          `do not co-sign it, have the first signer sign it again`,
      )
  }
}

/**
 * Reads a manifest file with a bound: more than MAX_MANIFEST_BYTES is E_TOO_LARGE, checked while
 * reading, so a FIFO or /dev/zero cannot exhaust memory.
 */
export async function readManifestFile(path: string): Promise<Uint8Array> {
  return readBoundedFile(path, MAX_MANIFEST_BYTES, 'manifest')
}
