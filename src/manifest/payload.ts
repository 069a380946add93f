import semver from 'semver'
import { RelsealError } from '../errors.js'
import { escapeUntrusted } from '../text/escape.js'
import {
  hasNoControl,
  isArtifactName,
  isCommitId,
  isLowerHexOf,
  isRepository,
  isSha256Digest,
  isTagName,
  isUtcTimestamp,
} from './grammar.js'
import { parsePayloadRollout, type Rollout } from './rollout.js'
import { parseStrictJson } from './strict-json.js'

export const MANIFEST_SCHEMA = 'https://relseal.dev/manifest/v1'
/** v1 plus a required `rollout`; written only when there is one, so v1 manifests stay v1. */
export const MANIFEST_SCHEMA_V2 = 'https://relseal.dev/manifest/v2'

export interface ManifestArtifact {
  name: string
  size: number
  sha256: string
}

export interface ManifestBuilder {
  workflow_ref?: string
  run_id?: string
  run_attempt?: string
  runner_os?: string
  event?: string
  ref?: string
}

/** Payload v1 of a release manifest (docs/manifest-spec.md, "Payload"). */
export interface ManifestPayload {
  schema: string
  repository: string
  tag: string
  version: string
  commit: string
  code_hash: string
  file_manifest_hash: string
  file_count: number
  artifacts: ManifestArtifact[]
  created_at: string
  expires_at?: string
  builder?: ManifestBuilder
  tag_signer?: { principal: string; fingerprint: string }
  /** Schema v2 only: the signed phased rollout (docs/manifest-spec.md, "Phased rollout"). */
  rollout?: Rollout
}

/** Every payload field, in serialization order. */
export const MANIFEST_FIELDS = [
  'schema',
  'repository',
  'tag',
  'version',
  'commit',
  'code_hash',
  'file_manifest_hash',
  'file_count',
  'artifacts',
  'created_at',
  'expires_at',
  'builder',
  'tag_signer',
  'rollout',
] as const
const OPTIONAL = new Set<string>(['expires_at', 'builder', 'tag_signer', 'rollout'])
const REQUIRED = MANIFEST_FIELDS.filter((f) => !OPTIONAL.has(f))
const BUILDER_FIELDS = ['workflow_ref', 'run_id', 'run_attempt', 'runner_os', 'event', 'ref'] as const

function bad(field: string, why: string): RelsealError {
  return new RelsealError('E_BAD_INPUT', `manifest field ${field} ${why}`)
}

function str(
  obj: Record<string, unknown>,
  field: string,
  valid: (s: string) => boolean,
  form: string,
  prefix = '',
): string {
  const v = obj[field]
  if (typeof v !== 'string' || !valid(v)) throw bad(`${prefix}${field}`, `must be ${form}`)
  return v
}

/** A non-negative JSON integer no larger than 2^53 - 1 (strict-json already refused 3.0 and 1e3). */
function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0
}

const isSha256Hex = (s: string): boolean => isLowerHexOf(s, 64)

function onlyKnown(obj: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const k of Object.keys(obj))
    if (!known.includes(k)) throw bad(`${where}${k}`, `is not a v1 field; a newer relseal may be needed`)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** True for a strict SemVer 2.0.0 version without prefix or surrounding space. */
export function isStrictSemver(v: string): boolean {
  return semver.valid(v, { loose: false }) === v
}

function parseArtifacts(v: unknown): ManifestArtifact[] {
  if (!Array.isArray(v)) throw bad('artifacts', 'must be an array of { name, size, sha256 }')
  const names = new Set<string>()
  return v.map((a, i) => {
    if (!isObject(a)) throw bad(`artifacts[${i}]`, 'must be an object')
    onlyKnown(a, ['name', 'size', 'sha256'], `artifacts[${i}].`)
    const name = str(
      a,
      'name',
      isArtifactName,
      'a file name of 1 to 255 bytes without slashes, backslashes or control characters, not starting with "." or "-"',
      `artifacts[${i}].`,
    )
    const sha256 = str(a, 'sha256', isSha256Hex, '64 lower-case hex digits', `artifacts[${i}].`)
    if (!isCount(a.size)) throw bad(`artifacts[${i}].size`, 'must be a whole number of bytes')
    if (names.has(name)) throw bad(`artifacts[${i}].name`, `repeats "${escapeUntrusted(name)}"`)
    names.add(name)
    return { name, size: a.size, sha256 }
  })
}

function parseBuilder(v: unknown): ManifestBuilder {
  if (!isObject(v)) throw bad('builder', 'must be an object')
  onlyKnown(v, BUILDER_FIELDS, 'builder.')
  const out: ManifestBuilder = {}
  for (const k of BUILDER_FIELDS) {
    if (v[k] === undefined) continue
    if (typeof v[k] !== 'string' || !hasNoControl(v[k]))
      throw bad(`builder.${k}`, 'must be a string without control characters')
    out[k] = v[k]
  }
  return out
}

/**
 * Validates verified payload bytes into a typed payload (parse = validate): strict JSON with no
 * duplicate keys, every field of the right type and form, no unknown field.
 */
export function parsePayload(bytes: Uint8Array): ManifestPayload {
  let text: string
  try {
    // Strict UTF-8; ignoreBOM keeps a byte-order mark in the text so that parseStrictJson refuses it.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    throw new RelsealError('E_BAD_INPUT', 'the manifest payload is not valid UTF-8')
  }
  const obj = parseStrictJson(text, 'the manifest payload', { integersOnly: true })
  if (!isObject(obj)) throw new RelsealError('E_BAD_INPUT', 'the manifest payload is not a JSON object')
  onlyKnown(obj, MANIFEST_FIELDS, '')
  for (const f of REQUIRED) if (obj[f] === undefined) throw bad(f, 'is missing')
  if (obj.schema !== MANIFEST_SCHEMA && obj.schema !== MANIFEST_SCHEMA_V2)
    throw bad('schema', `must be ${JSON.stringify(MANIFEST_SCHEMA)} (or v2 with a rollout)`)
  const version = obj.version
  if (typeof version !== 'string' || !isStrictSemver(version))
    throw bad('version', 'must be a strict SemVer 2.0.0 version such as 1.2.3')
  if (!isCount(obj.file_count)) throw bad('file_count', 'must be a whole number')
  const created = str(
    obj,
    'created_at',
    isUtcTimestamp,
    'a real RFC 3339 UTC time ending in Z, such as 2026-01-01T00:00:00Z',
  )
  const payload: ManifestPayload = {
    schema: obj.schema,
    repository: str(obj, 'repository', isRepository, 'owner/name'),
    tag: str(obj, 'tag', isTagName, 'a git tag name (git check-ref-format, not starting with "-")'),
    version,
    commit: str(obj, 'commit', isCommitId, 'a full lower-case hex commit id'),
    code_hash: str(obj, 'code_hash', isSha256Digest, 'sha256:<64 hex digits>'),
    file_manifest_hash: str(obj, 'file_manifest_hash', isSha256Digest, 'sha256:<64 hex digits>'),
    file_count: obj.file_count,
    artifacts: parseArtifacts(obj.artifacts),
    created_at: created,
  }
  if (obj.expires_at !== undefined) {
    payload.expires_at = str(obj, 'expires_at', isUtcTimestamp, 'a real RFC 3339 UTC time ending in Z')
    if (Date.parse(payload.expires_at) <= Date.parse(created))
      throw bad('expires_at', 'must be after created_at')
  }
  if (obj.builder !== undefined) payload.builder = parseBuilder(obj.builder)
  if (obj.tag_signer !== undefined) {
    const t = obj.tag_signer
    if (
      !isObject(t) ||
      typeof t.principal !== 'string' ||
      typeof t.fingerprint !== 'string' ||
      !hasNoControl(t.principal) ||
      !hasNoControl(t.fingerprint)
    ) {
      throw bad('tag_signer', 'must be { principal, fingerprint }, strings without control characters')
    }
    onlyKnown(t, ['principal', 'fingerprint'], 'tag_signer.')
    payload.tag_signer = { principal: t.principal, fingerprint: t.fingerprint }
  }
  const rollout = parsePayloadRollout(obj.rollout, obj.schema === MANIFEST_SCHEMA_V2, payload.expires_at)
  if (rollout !== undefined) payload.rollout = rollout
  return payload
}

/** The payload bytes relseal signs: fields in spec order, two-space indentation, final newline. */
export function serializePayload(payload: ManifestPayload): Uint8Array {
  const ordered: Record<string, unknown> = {}
  for (const f of MANIFEST_FIELDS) if (payload[f] !== undefined) ordered[f] = payload[f]
  const bytes = Buffer.from(`${JSON.stringify(ordered, null, 2)}\n`, 'utf8')
  parsePayload(bytes) // never sign what a verifier would refuse
  return bytes
}
