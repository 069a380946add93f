/**
 * The withdrawal statement (docs/manifest-spec.md, "Withdrawal statement"): a DSSE envelope of its
 * own payload type saying "version V (commit C) of repository R is withdrawn, because REASON". The
 * same trust policy as a manifest verifies it, threshold included; the payload type keeps the two
 * apart, so a withdrawal is never accepted as a manifest, nor a manifest as a withdrawal.
 */
import { createHash } from 'node:crypto'
import { RelsealError } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'
import { resolvePolicy, type TrustPolicy } from '../trust/policy.js'
import { parseEnvelope } from './dsse.js'
import { hasNoControl, isCommitId, isRepository, isUtcTimestamp } from './grammar.js'
import { isStrictSemver } from './payload.js'
import { readBoundedFile } from './read-bounded.js'
import { parseStrictJson } from './strict-json.js'
import { refuseUnverified, verifiedKeyIds } from './verify.js'

export const WITHDRAWAL_PAYLOAD_TYPE = 'application/vnd.relseal.withdrawal.v1+json'
/** The file and release asset name of a withdrawal statement. */
export const WITHDRAWAL_ASSET = 'release_withdrawn.json'
/** A withdrawal statement larger than this is refused before it is parsed. */
export const MAX_WITHDRAWAL_BYTES = 64 * 1024
/** The reason is hostile text to whoever reads it: one line of at most this many UTF-8 bytes. */
export const MAX_REASON_BYTES = 1024

/** Payload v1 of a withdrawal statement; fields in serialization order. */
export interface WithdrawalPayload {
  repository: string
  version: string
  commit: string
  reason: string
  /** When it was signed, RFC 3339 UTC. */
  time: string
}

export const WITHDRAWAL_FIELDS = ['repository', 'version', 'commit', 'reason', 'time'] as const

export interface VerifiedWithdrawal {
  payload: WithdrawalPayload
  /** Distinct trusted keys whose signature verified, sorted. */
  keyIds: string[]
  /** `sha256:<hex>` of the envelope bytes. */
  digest: string
}

const bad = (field: string, why: string): RelsealError =>
  new RelsealError('E_BAD_INPUT', `withdrawal field ${field} ${why}`)

/** 1 to MAX_REASON_BYTES UTF-8 bytes, no C0 control character or DEL (so: one line). */
export function isWithdrawalReason(s: string): boolean {
  const bytes = Buffer.byteLength(s, 'utf8')
  return bytes >= 1 && bytes <= MAX_REASON_BYTES && s.trim() !== '' && hasNoControl(s)
}

/** Validates payload bytes into a typed withdrawal (strict JSON, every field, no unknown field). */
export function parseWithdrawalPayload(bytes: Uint8Array): WithdrawalPayload {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    throw new RelsealError('E_BAD_INPUT', 'the withdrawal payload is not valid UTF-8')
  }
  const obj = parseStrictJson(text, 'the withdrawal payload', { integersOnly: true })
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    throw new RelsealError('E_BAD_INPUT', 'the withdrawal payload is not a JSON object')
  const o = obj as Record<string, unknown>
  for (const k of Object.keys(o))
    if (!(WITHDRAWAL_FIELDS as readonly string[]).includes(k))
      throw bad(escapeUntrusted(k, 40), 'is not a v1 field; a newer relseal may be needed')
  const str = (field: (typeof WITHDRAWAL_FIELDS)[number], ok: (s: string) => boolean, form: string) => {
    const v = o[field]
    if (v === undefined) throw bad(field, 'is missing')
    if (typeof v !== 'string' || !ok(v)) throw bad(field, `must be ${form}`)
    return v
  }
  return {
    repository: str('repository', isRepository, 'owner/name'),
    version: str('version', isStrictSemver, 'a strict SemVer 2.0.0 version such as 1.2.3'),
    commit: str('commit', isCommitId, 'a full lower-case hex commit id'),
    reason: str(
      'reason',
      isWithdrawalReason,
      `one line of 1 to ${MAX_REASON_BYTES} bytes without control characters`,
    ),
    time: str('time', isUtcTimestamp, 'a real RFC 3339 UTC time ending in Z'),
  }
}

/** The payload bytes relseal signs: fields in spec order, two-space indentation, final newline. */
export function serializeWithdrawalPayload(p: WithdrawalPayload): Uint8Array {
  const ordered: Record<string, string> = {}
  for (const f of WITHDRAWAL_FIELDS) ordered[f] = p[f]
  const bytes = Buffer.from(`${JSON.stringify(ordered, null, 2)}\n`, 'utf8')
  parseWithdrawalPayload(bytes) // never sign what a verifier would refuse
  return bytes
}

/**
 * Verifies a withdrawal statement with a trust policy, in the manifest's order: size, envelope,
 * payload type, signatures and threshold, and only then the payload and its repository. Expiry,
 * minimum version and tag prefix do not apply: a withdrawal does not expire.
 *
 * @example const { payload } = verifyWithdrawal(readFileSync('release_withdrawn.json'), { keys: [pub] })
 */
export function verifyWithdrawal(envelope: Uint8Array, policy: TrustPolicy): VerifiedWithdrawal {
  const resolved = resolvePolicy(policy)
  if (envelope.length > MAX_WITHDRAWAL_BYTES)
    throw new RelsealError(
      'E_TOO_LARGE',
      `the withdrawal statement is ${envelope.length} bytes, more than the ${MAX_WITHDRAWAL_BYTES} it may have`,
    )
  const env = parseEnvelope(envelope)
  if (env.payloadType !== WITHDRAWAL_PAYLOAD_TYPE)
    throw new RelsealError(
      'E_BAD_INPUT',
      `the envelope's payloadType is "${escapeUntrusted(env.payloadType)}", not ${WITHDRAWAL_PAYLOAD_TYPE}: ` +
        `this is not a relseal withdrawal statement`,
    )
  if (env.signatures.length === 0)
    throw new RelsealError(
      'E_UNSIGNED',
      'the withdrawal statement has no signature; only a statement signed by the release key (relseal withdraw) counts',
    )
  const { good, bad: failed } = verifiedKeyIds(env, resolved)
  refuseUnverified(env, resolved, good, failed, 'withdrawal statement')
  // Verified: only now is any payload field read.
  const payload = parseWithdrawalPayload(env.untrustedPayload)
  if (
    resolved.repository !== undefined &&
    payload.repository.toLowerCase() !== resolved.repository.toLowerCase()
  )
    throw new RelsealError(
      'E_REPOSITORY_MISMATCH',
      `the withdrawal statement is for ${payload.repository}, not ${resolved.repository}; it is refused`,
    )
  return {
    payload,
    keyIds: [...good].sort(),
    digest: `sha256:${createHash('sha256').update(envelope).digest('hex')}`,
  }
}

/** Reads a withdrawal statement file with the MAX_WITHDRAWAL_BYTES cap. */
export async function readWithdrawalFile(path: string): Promise<Uint8Array> {
  return readBoundedFile(path, MAX_WITHDRAWAL_BYTES, 'withdrawal statement')
}
