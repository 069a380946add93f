/**
 * The trust root (issue 15, docs/trust-root.md): a DSSE envelope whose payload names the keys a
 * release manifest must be signed by, and the keys that may sign the next trust root. Each new
 * version must be signed by root_threshold of the previous version's keys AND root_threshold of
 * its own keys, exactly as TUF's root rotation (TUF specification 1.0, section 5.3.4).
 */
import { RelsealError } from '../errors.js'
import { parsePublicKey, type PublicKeyInfo, type SigningKey } from '../keys/key-formats.js'
import { keyIdOf } from '../keys/key-id.js'
import { signChecked, signWithKeyChecked, type Signer } from '../keys/signer.js'
import { verifyDetached } from '../keys/ed25519.js'
import {
  MAX_SIGNATURES,
  parseEnvelope,
  preAuthEncoding,
  serializeEnvelope,
  type DsseSignature,
  type UntrustedEnvelope,
} from '../manifest/dsse.js'
import { isLowerHexOf, isRepository, isUtcTimestamp } from '../manifest/grammar.js'
import { parseStrictJson } from '../manifest/strict-json.js'
import { readBoundedFile } from '../manifest/read-bounded.js'
import { isBase64 } from '../text/base64.js'
import { escapeUntrusted } from '../text/escape.js'
import type { TrustPolicy } from './policy.js'

export const TRUST_ROOT_PAYLOAD_TYPE = 'application/vnd.relseal.trust.v1+json'
export const TRUST_ROOT_SCHEMA = 'https://relseal.dev/trust-root/v1'

/** The file name a trust root of version `n` is published under (docs/trust-root.md). */
export const trustRootName = (n: number): string => `trust-root.${n}.json`

/** A trust root file larger than this is refused before it is parsed. */
export const MAX_TRUST_ROOT_BYTES = 64 * 1024
/** A trust root lists at most this many keys. */
export const MAX_TRUST_ROOT_KEYS = 32
/** A client follows at most this many new versions in one update (each costs verifications). */
export const MAX_ROOT_STEPS = 64

export interface TrustRootKey {
  /** Hex SHA-256 of the 32-byte public key (as relseal key ids everywhere). */
  keyid: string
  /** Standard base64 of the 32-byte Ed25519 public key. */
  public_key: string
  /** After this time the key counts for nothing (neither releases nor roots). */
  expires_at?: string
}

/** Payload v1 of a trust root (docs/trust-root.md, "Payload"). */
export interface TrustRootPayload {
  schema: string
  repository: string
  version: number
  keys: TrustRootKey[]
  /** Distinct unexpired keys that must sign a release manifest. */
  threshold: number
  /** Distinct unexpired keys that must sign the next trust root (and this one). */
  root_threshold: number
  expires_at: string
}

const FIELDS = ['schema', 'repository', 'version', 'keys', 'threshold', 'root_threshold', 'expires_at']
const KEY_FIELDS = ['keyid', 'public_key', 'expires_at']

/** A trust root whose signatures were checked; `signers` are the key ids that counted. */
export interface VerifiedTrustRoot {
  payload: TrustRootPayload
  /** The exact envelope bytes (what the app root stores). */
  bytes: Uint8Array
  /** Keys of this root that signed it (sorted). */
  signers: string[]
  /** Keys of the previous root that signed it (sorted; empty for the pinned first root). */
  previousSigners: string[]
}

const bad = (field: string, why: string): RelsealError =>
  new RelsealError('E_BAD_INPUT', `trust root field ${field} ${why}`)

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function onlyKnown(obj: Record<string, unknown>, known: string[], at: string): void {
  for (const k of Object.keys(obj))
    if (!known.includes(k)) throw bad(`${at}${escapeUntrusted(k, 40)}`, 'is not a trust root v1 field')
}

function count(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    throw bad(field, `must be a whole number from ${min} to ${max}`)
  return v
}

function timestamp(v: unknown, field: string): string {
  if (typeof v !== 'string' || !isUtcTimestamp(v))
    throw bad(field, 'must be a real RFC 3339 UTC time ending in Z, such as 2027-01-01T00:00:00Z')
  return v
}

function parseKey(v: unknown, i: number): TrustRootKey {
  const at = `keys[${i}]`
  if (!isObject(v)) throw bad(at, 'must be an object {keyid, public_key, expires_at?}')
  onlyKnown(v, KEY_FIELDS, `${at}.`)
  const { keyid, public_key } = v
  if (typeof public_key !== 'string' || !isBase64(public_key, 'strict'))
    throw bad(`${at}.public_key`, 'must be standard base64 of a 32-byte Ed25519 public key')
  let info: PublicKeyInfo
  try {
    info = parsePublicKey(public_key, `trust root ${at}`)
  } catch (e) {
    throw bad(`${at}.public_key`, `is not an Ed25519 public key (${(e as Error).message})`)
  }
  if (typeof keyid !== 'string' || !isLowerHexOf(keyid, 64) || keyid !== info.keyId)
    throw bad(`${at}.keyid`, 'must be the lower-case hex SHA-256 of the public key')
  const key: TrustRootKey = { keyid, public_key }
  if (v.expires_at !== undefined) key.expires_at = timestamp(v.expires_at, `${at}.expires_at`)
  return key
}

/**
 * Parses and validates a trust root payload: strict JSON (no duplicate keys, integers only), every
 * field known, key ids derived from their keys, thresholds reachable with the listed keys.
 */
export function parseTrustRootPayload(bytes: Uint8Array): TrustRootPayload {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    throw new RelsealError('E_BAD_INPUT', 'the trust root payload is not valid UTF-8')
  }
  const obj = parseStrictJson(text, 'the trust root payload', { integersOnly: true })
  if (!isObject(obj)) throw new RelsealError('E_BAD_INPUT', 'the trust root payload is not a JSON object')
  onlyKnown(obj, FIELDS, '')
  for (const f of FIELDS) if (obj[f] === undefined) throw bad(f, 'is missing')
  if (obj.schema !== TRUST_ROOT_SCHEMA) throw bad('schema', `must be ${JSON.stringify(TRUST_ROOT_SCHEMA)}`)
  if (typeof obj.repository !== 'string' || !isRepository(obj.repository))
    throw bad('repository', 'must be owner/name')
  if (!Array.isArray(obj.keys) || obj.keys.length === 0 || obj.keys.length > MAX_TRUST_ROOT_KEYS)
    throw bad('keys', `must be an array of 1 to ${MAX_TRUST_ROOT_KEYS} keys`)
  const keys = obj.keys.map(parseKey)
  if (new Set(keys.map((k) => k.keyid)).size !== keys.length) throw bad('keys', 'lists a key twice')
  return {
    schema: TRUST_ROOT_SCHEMA,
    repository: obj.repository,
    version: count(obj.version, 'version', 1, Number.MAX_SAFE_INTEGER),
    keys,
    threshold: count(obj.threshold, 'threshold', 1, keys.length),
    root_threshold: count(obj.root_threshold, 'root_threshold', 1, keys.length),
    expires_at: timestamp(obj.expires_at, 'expires_at'),
  }
}

/** The payload bytes, fields in the order of docs/trust-root.md. */
export function serializeTrustRootPayload(p: TrustRootPayload): Uint8Array {
  const keys = p.keys.map((k) => ({
    keyid: k.keyid,
    public_key: k.public_key,
    ...(k.expires_at === undefined ? {} : { expires_at: k.expires_at }),
  }))
  const ordered = {
    schema: p.schema,
    repository: p.repository,
    version: p.version,
    keys,
    threshold: p.threshold,
    root_threshold: p.root_threshold,
    expires_at: p.expires_at,
  }
  return Buffer.from(`${JSON.stringify(ordered, null, 2)}\n`, 'utf8')
}

/** A trust root key entry for a public key. */
export function trustRootKeyOf(key: PublicKeyInfo, expiresAt?: string): TrustRootKey {
  return {
    keyid: key.keyId,
    public_key: Buffer.from(key.publicKey).toString('base64'),
    ...(expiresAt === undefined ? {} : { expires_at: expiresAt }),
  }
}

/** An unsigned trust root envelope (signatures are added one by one with signTrustRoot). */
export function unsignedTrustRoot(payload: TrustRootPayload): Uint8Array {
  const bytes = serializeTrustRootPayload(payload)
  parseTrustRootPayload(bytes)
  return serializeEnvelope(TRUST_ROOT_PAYLOAD_TYPE, bytes, [])
}

/** Parses a trust root envelope and its payload; nothing in it is verified yet. */
export function parseTrustRoot(bytes: Uint8Array): {
  env: UntrustedEnvelope
  untrustedPayload: TrustRootPayload
} {
  if (bytes.length > MAX_TRUST_ROOT_BYTES)
    throw new RelsealError(
      'E_TOO_LARGE',
      `the trust root is ${bytes.length} bytes, more than the ${MAX_TRUST_ROOT_BYTES} a trust root may have`,
    )
  const env = parseEnvelope(bytes)
  if (env.payloadType !== TRUST_ROOT_PAYLOAD_TYPE)
    throw new RelsealError(
      'E_BAD_INPUT',
      `the envelope's payloadType is "${escapeUntrusted(env.payloadType)}", not ${TRUST_ROOT_PAYLOAD_TYPE}: this is not a relseal trust root`,
    )
  return { env, untrustedPayload: parseTrustRootPayload(env.untrustedPayload) }
}

/** Reads a trust root file with a byte cap. */
export async function readTrustRootFile(path: string): Promise<Uint8Array> {
  return readBoundedFile(path, MAX_TRUST_ROOT_BYTES, 'trust root')
}

/** The payload and existing signatures of a root that `keyId` may add its signature to. */
function rootToSign(envelope: Uint8Array, keyId: string): { payload: Buffer; existing: DsseSignature[] } {
  const { env } = parseTrustRoot(envelope)
  const existing = (JSON.parse(Buffer.from(envelope).toString('utf8')) as { signatures: DsseSignature[] })
    .signatures
  if (existing.length >= MAX_SIGNATURES)
    throw new RelsealError(
      'E_USAGE',
      `the trust root already carries ${existing.length} signatures, the most a verifier considers`,
    )
  if (existing.some((s) => s.keyid === keyId))
    throw new RelsealError('E_EXISTS', `the trust root is already signed by key ${keyId}`)
  return { payload: env.untrustedPayload, existing }
}

const withSignature = (payload: Buffer, existing: DsseSignature[], keyId: string, sig: Uint8Array) =>
  serializeEnvelope(TRUST_ROOT_PAYLOAD_TYPE, payload, [
    ...existing,
    { keyid: keyId, sig: Buffer.from(sig).toString('base64') },
  ])

/**
 * Adds one signature by a key in memory to a trust root envelope (the payload bytes are kept as
 * they are). Checked like every other signature (issue 21): verified right after it is made.
 */
export function signTrustRoot(envelope: Uint8Array, key: SigningKey): Uint8Array {
  const { payload, existing } = rootToSign(envelope, key.keyId)
  const sig = signWithKeyChecked(key, preAuthEncoding(TRUST_ROOT_PAYLOAD_TYPE, payload))
  return withSignature(payload, existing, key.keyId, sig)
}

/** signTrustRoot through any signer (ssh-agent, PKCS#11, exec:), checked the same way. */
export async function signTrustRootWith(envelope: Uint8Array, signer: Signer): Promise<Uint8Array> {
  const { payload, existing } = rootToSign(envelope, signer.keyId)
  const sig = await signChecked(signer, preAuthEncoding(TRUST_ROOT_PAYLOAD_TYPE, payload))
  return withSignature(payload, existing, signer.keyId, sig)
}

/** Keys of a root that count at `now`: listed and not past their own expires_at. */
export function activeKeys(p: TrustRootPayload, now: Date): PublicKeyInfo[] {
  return p.keys
    .filter((k) => k.expires_at === undefined || now.getTime() <= Date.parse(k.expires_at))
    .map((k) => ({ keyId: k.keyid, publicKey: Buffer.from(k.public_key, 'base64') }))
}

/**
 * Distinct keys among `keys` with a valid signature over the envelope. Key ids are compared
 * before any crypto; a signature without a key id is ignored (a root always names its signers);
 * each key verifies at most once.
 */
function signersAmong(env: UntrustedEnvelope, keys: PublicKeyInfo[]): string[] {
  const byId = new Map(keys.map((k) => [k.keyId, k]))
  const pae = preAuthEncoding(env.payloadType, env.untrustedPayload)
  const good = new Set<string>()
  for (const s of env.signatures) {
    const key = byId.get(s.keyid)
    if (key === undefined || good.has(key.keyId) || !s.sig) continue
    if (verifyDetached(key.publicKey, pae, s.sig)) good.add(key.keyId)
  }
  return [...good].sort()
}

function requireThreshold(signers: string[], needed: number, version: number, whose: string): void {
  if (signers.length < needed)
    throw new RelsealError(
      'E_ROOT_THRESHOLD',
      `trust root version ${version} is signed by ${signers.length} of ${whose} unexpired keys, ` +
        `but needs ${needed} (TUF 5.3.4: a new root is signed by the old and the new keys); ` +
        'have more key holders run relseal trust sign',
      { details: { version, whose, signers, needed } },
    )
}

function refuseExpired(p: TrustRootPayload, now: Date): void {
  if (now.getTime() > Date.parse(p.expires_at))
    throw new RelsealError(
      'E_ROOT_EXPIRED',
      `trust root version ${p.version} expired at ${p.expires_at}; the publisher must sign a newer ` +
        'trust root (relseal trust next) and publish it beside the release',
      { details: { version: p.version, expires_at: p.expires_at } },
    )
}

/**
 * Verifies the first, pinned trust root: a threshold of its own keys must have signed it (TUF
 * 5.2). Expiry is not checked here: only the newest root of a chain must be unexpired (TUF 5.3.10).
 */
export function verifyPinnedRoot(bytes: Uint8Array, now: Date): VerifiedTrustRoot {
  const { env, untrustedPayload: p } = parseTrustRoot(bytes)
  const signers = signersAmong(env, activeKeys(p, now))
  requireThreshold(signers, p.root_threshold, p.version, 'its own')
  return { payload: p, bytes, signers, previousSigners: [] }
}

/**
 * Verifies trust root version N+1 against the trusted version N (TUF specification 1.0, 5.3.4–
 * 5.3.5): root_threshold of N's keys AND root_threshold of its own keys signed it; its version is
 * exactly N+1 (lower or equal: E_ROOT_ROLLBACK; higher: E_ROOT_SKIPPED); its repository is N's
 * (E_ROOT_REPOSITORY). The version and repository are compared first (cheap, and each refusal
 * keeps its own code); nothing of the payload is used until both thresholds are met.
 */
export function verifyNextRoot(trusted: VerifiedTrustRoot, bytes: Uint8Array, now: Date): VerifiedTrustRoot {
  const { env, untrustedPayload: p } = parseTrustRoot(bytes)
  const prev = trusted.payload
  if (p.version <= prev.version)
    throw new RelsealError(
      'E_ROOT_ROLLBACK',
      `trust root version ${p.version} is not newer than the trusted version ${prev.version}; ` +
        'a client never goes back to an older trust root',
      { details: { version: p.version, trusted: prev.version } },
    )
  if (p.version !== prev.version + 1)
    throw new RelsealError(
      'E_ROOT_SKIPPED',
      `trust root version ${p.version} follows version ${prev.version} without version ${prev.version + 1}; ` +
        `publish trust-root.${prev.version + 1}.json too, every version is verified in order`,
      { details: { version: p.version, trusted: prev.version } },
    )
  if (p.repository.toLowerCase() !== prev.repository.toLowerCase())
    throw new RelsealError(
      'E_ROOT_REPOSITORY',
      `trust root version ${p.version} is for ${p.repository}, but the trusted root is for ${prev.repository}`,
      { details: { repository: p.repository, trusted: prev.repository } },
    )
  const previousSigners = signersAmong(env, activeKeys(prev, now))
  requireThreshold(previousSigners, prev.root_threshold, p.version, `version ${prev.version}'s`)
  const signers = signersAmong(env, activeKeys(p, now))
  requireThreshold(signers, p.root_threshold, p.version, 'its own')
  return { payload: p, bytes, signers, previousSigners }
}

/**
 * Verifies a chain: the first root pinned (self-signed), each later one against the one before;
 * the newest must not have expired (E_ROOT_EXPIRED). Returns every verified step.
 */
export function verifyTrustRootChain(roots: Uint8Array[], now: Date = new Date()): VerifiedTrustRoot[] {
  if (roots.length === 0) throw new RelsealError('E_USAGE', 'no trust root given')
  const steps = [verifyPinnedRoot(roots[0]!, now)]
  for (const next of roots.slice(1)) steps.push(verifyNextRoot(steps.at(-1)!, next, now))
  refuseExpired(steps.at(-1)!.payload, now)
  return steps
}

/**
 * Extends a trusted root with newer versions (in order), refusing an expired newest root. The
 * trusted root itself is not re-checked for expiry unless nothing newer is given.
 */
export function advanceTrustRoot(
  trusted: VerifiedTrustRoot,
  newer: Uint8Array[],
  now: Date = new Date(),
): VerifiedTrustRoot {
  if (newer.length > MAX_ROOT_STEPS)
    throw new RelsealError('E_TOO_LARGE', `more than ${MAX_ROOT_STEPS} new trust root versions at once`)
  let current = trusted
  for (const next of newer) current = verifyNextRoot(current, next, now)
  refuseExpired(current.payload, now)
  return current
}

/**
 * The release-manifest policy of a verified root: its unexpired keys, its threshold, its
 * repository. Verification code asks this policy, never the raw key list.
 */
export function trustPolicyOf(root: VerifiedTrustRoot, now: Date = new Date()): TrustPolicy {
  const p = root.payload
  const keys = activeKeys(p, now)
  if (keys.length < p.threshold)
    throw new RelsealError(
      'E_ROOT_EXPIRED',
      `trust root version ${p.version} has ${keys.length} unexpired key(s), fewer than its threshold ${p.threshold}; ` +
        'the publisher must publish a newer trust root with current keys',
      { details: { version: p.version } },
    )
  return { keys, threshold: p.threshold, repository: p.repository, now }
}

/** keyIdOf re-exported for tooling that builds roots from raw keys. */
export { keyIdOf }
