import semver from 'semver'
import { RelsealError } from '../errors.js'
import { parseStrictJson } from './strict-json.js'

export const MANIFEST_SCHEMA = 'https://relseal.dev/manifest/v1'

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
] as const
const REQUIRED = MANIFEST_FIELDS.filter((f) => f !== 'expires_at' && f !== 'builder' && f !== 'tag_signer')
const BUILDER_FIELDS = ['workflow_ref', 'run_id', 'run_attempt', 'runner_os', 'event', 'ref'] as const

const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/
const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/
const DIGEST = /^sha256:[0-9a-f]{64}$/
const HEX64 = /^[0-9a-f]{64}$/
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/
// A git tag name that cannot act as an option nor smuggle control characters (git check-ref-format rules).
const TAG =
  // eslint-disable-next-line no-control-regex
  /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock$)(?!.*\.$)(?!\/)[^\x00-\x20\x7f~^:?*[\\]{1,250}(?<!\/)$/
// eslint-disable-next-line no-control-regex
const ARTIFACT_NAME = /^(?!\.)(?!-)[^\x00-\x1f\x7f/\\]{1,255}$/

function bad(field: string, why: string): RelsealError {
  return new RelsealError('E_BAD_INPUT', `manifest field ${field} ${why}`)
}

function str(
  obj: Record<string, unknown>,
  field: string,
  pattern: RegExp,
  form: string,
  prefix = '',
): string {
  const v = obj[field]
  if (typeof v !== 'string' || !pattern.test(v)) throw bad(`${prefix}${field}`, `must be ${form}`)
  return v
}

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
      ARTIFACT_NAME,
      'a file name without slashes or control characters',
      `artifacts[${i}].`,
    )
    const sha256 = str(a, 'sha256', HEX64, '64 lower-case hex digits', `artifacts[${i}].`)
    if (!Number.isSafeInteger(a.size) || (a.size as number) < 0)
      throw bad(`artifacts[${i}].size`, 'must be a whole number of bytes')
    if (names.has(name)) throw bad(`artifacts[${i}].name`, `repeats ${JSON.stringify(name)}`)
    names.add(name)
    return { name, size: a.size as number, sha256 }
  })
}

function parseBuilder(v: unknown): ManifestBuilder {
  if (!isObject(v)) throw bad('builder', 'must be an object')
  onlyKnown(v, BUILDER_FIELDS, 'builder.')
  const out: ManifestBuilder = {}
  for (const k of BUILDER_FIELDS) {
    if (v[k] === undefined) continue
    // eslint-disable-next-line no-control-regex
    if (typeof v[k] !== 'string' || /[\x00-\x1f\x7f]/.test(v[k]))
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
  const obj = parseStrictJson(Buffer.from(bytes).toString('utf8'), 'the manifest payload')
  if (!isObject(obj)) throw new RelsealError('E_BAD_INPUT', 'the manifest payload is not a JSON object')
  onlyKnown(obj, MANIFEST_FIELDS, '')
  for (const f of REQUIRED) if (obj[f] === undefined) throw bad(f, 'is missing')
  if (obj.schema !== MANIFEST_SCHEMA) throw bad('schema', `must be ${JSON.stringify(MANIFEST_SCHEMA)}`)
  const version = obj.version
  if (typeof version !== 'string' || !isStrictSemver(version))
    throw bad('version', 'must be a strict SemVer 2.0.0 version such as 1.2.3')
  if (!Number.isSafeInteger(obj.file_count) || (obj.file_count as number) < 0)
    throw bad('file_count', 'must be a whole number')
  const created = str(obj, 'created_at', TIMESTAMP, 'an RFC 3339 UTC time such as 2026-01-01T00:00:00Z')
  const payload: ManifestPayload = {
    schema: MANIFEST_SCHEMA,
    repository: str(obj, 'repository', REPOSITORY, 'owner/name'),
    tag: str(obj, 'tag', TAG, 'a git tag name (not starting with "-", no control characters)'),
    version,
    commit: str(obj, 'commit', COMMIT, 'a full lower-case hex commit id'),
    code_hash: str(obj, 'code_hash', DIGEST, 'sha256:<64 hex digits>'),
    file_manifest_hash: str(obj, 'file_manifest_hash', DIGEST, 'sha256:<64 hex digits>'),
    file_count: obj.file_count as number,
    artifacts: parseArtifacts(obj.artifacts),
    created_at: created,
  }
  if (obj.expires_at !== undefined) {
    payload.expires_at = str(obj, 'expires_at', TIMESTAMP, 'an RFC 3339 UTC time')
    if (Date.parse(payload.expires_at) <= Date.parse(created))
      throw bad('expires_at', 'must be after created_at')
  }
  if (obj.builder !== undefined) payload.builder = parseBuilder(obj.builder)
  if (obj.tag_signer !== undefined) {
    const t = obj.tag_signer
    if (!isObject(t) || typeof t.principal !== 'string' || typeof t.fingerprint !== 'string') {
      throw bad('tag_signer', 'must be { principal, fingerprint } strings')
    }
    onlyKnown(t, ['principal', 'fingerprint'], 'tag_signer.')
    payload.tag_signer = { principal: t.principal, fingerprint: t.fingerprint }
  }
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
