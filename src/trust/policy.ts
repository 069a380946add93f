import { RelsealError } from '../errors.js'
import type { PublicKeyInfo } from '../keys/key-formats.js'
import { isStrictSemver } from '../manifest/payload.js'
import { parseTagPrefix } from '../manifest/tag-version.js'

/** Whom a verifier trusts and what it accepts. */
export interface TrustPolicy {
  /** Trusted public keys. */
  keys: PublicKeyInfo[]
  /** Distinct trusted keys that must have signed (default 1). */
  threshold?: number
  /** Refuse versions below this (E_DOWNGRADE). */
  minVersion?: string
  /** Refuse manifests past their expires_at (default true). */
  enforceExpiry?: boolean
  /** Refuse manifests for another repository (owner/name, case-insensitive, as GitHub names are). */
  repository?: string
  /** The time to check expiry against (default: now). */
  now?: Date
  /**
   * Release tags are `<tagPrefix><version>` (e.g. `app-v` in a monorepo). Default '': the tag
   * must be `v<version>` or `<version>`. Any other pairing is refused (E_TAG_VERSION_MISMATCH).
   */
  tagPrefix?: string
}

export interface ResolvedPolicy {
  keys: Map<string, PublicKeyInfo>
  threshold: number
  minVersion: string | undefined
  enforceExpiry: boolean
  repository: string | undefined
  now: Date
  tagPrefix: string
}

/** Checks a policy once, before any manifest is looked at. */
export function resolvePolicy(policy: TrustPolicy): ResolvedPolicy {
  const keys = new Map(policy.keys.map((k) => [k.keyId, k]))
  if (keys.size === 0)
    throw new RelsealError(
      'E_USAGE',
      'no trusted public key was given; pass the release public key (--pubkey)',
    )
  const threshold = policy.threshold ?? 1
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > keys.size) {
    throw new RelsealError(
      'E_USAGE',
      `threshold ${threshold} must be a whole number from 1 to the ${keys.size} distinct trusted key(s)`,
    )
  }
  if (policy.minVersion !== undefined && !isStrictSemver(policy.minVersion)) {
    throw new RelsealError(
      'E_USAGE',
      `minimum version ${JSON.stringify(policy.minVersion)} is not a SemVer version such as 1.2.3`,
    )
  }
  return {
    keys,
    threshold,
    minVersion: policy.minVersion,
    enforceExpiry: policy.enforceExpiry ?? true,
    repository: policy.repository,
    now: policy.now ?? new Date(),
    tagPrefix: parseTagPrefix(policy.tagPrefix ?? '', 'tag prefix'),
  }
}
