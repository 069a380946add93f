import { existsSync } from 'node:fs'
import { RelsealError } from '../errors.js'
import type { TrustPolicy } from '../trust/policy.js'
import {
  advanceTrustRoot,
  readTrustRootFile,
  trustPolicyOf,
  verifyPinnedRoot,
  type VerifiedTrustRoot,
} from '../trust/trust-root.js'
import { writeFileAtomic } from './atomic-file.js'
import type { AppLayout } from './layout.js'
import { sameRepository } from './remote.js'

/** True when the app root opted in to a trust root (init --trust-root). */
export function hasStoredTrustRoot(layout: AppLayout): boolean {
  return existsSync(layout.trustRoot)
}

/** Refuses a root for another repository than the app root's (E_ROOT_REPOSITORY). */
export function assertRootRepository(root: VerifiedTrustRoot, repository: string): void {
  if (!sameRepository(root.payload.repository, repository))
    throw new RelsealError(
      'E_ROOT_REPOSITORY',
      `trust root version ${root.payload.version} is for ${root.payload.repository}, but this app root updates ${repository}; ` +
        `use the trust root ${repository} publishes`,
      { details: { repository: root.payload.repository, trusted: repository } },
    )
}

/**
 * Reads the stored root and checks its own signatures again (it is a file on disk: something may
 * have replaced it), then follows the newer roots given, in order (TUF 5.3). The stored root is
 * replaced, atomically, only when the whole chain verified and the newest is unexpired; a refused
 * chain leaves it byte-identical.
 */
export async function advanceStoredTrustRoot(
  layout: AppLayout,
  repository: string,
  untrustedNewer: Uint8Array[],
  now: Date,
): Promise<{ root: VerifiedTrustRoot; from: number }> {
  const stored = verifyPinnedRoot(await readTrustRootFile(layout.trustRoot), now)
  assertRootRepository(stored, repository)
  const root = advanceTrustRoot(stored, untrustedNewer, now)
  if (root !== stored) writeFileAtomic(layout.trustRoot, root.bytes)
  return { root, from: stored.payload.version }
}

/**
 * The policy a command uses on an app root: with a stored trust root, the root's keys and
 * threshold (giving keys or a threshold too is E_USAGE); without, `policy` as given. The stored
 * root's own signatures are checked again; its expiry is not (rollback must work offline, and
 * update checks expiry when it follows newer roots).
 */
export async function appRootPolicy(layout: AppLayout, policy: TrustPolicy, now: Date): Promise<TrustPolicy> {
  if (!hasStoredTrustRoot(layout)) return policy
  assertNoKeysBesideRoot(layout, policy)
  const stored = verifyPinnedRoot(await readTrustRootFile(layout.trustRoot), now)
  return { ...policy, ...trustPolicyOf(stored, now) }
}

/** E_USAGE when keys or a threshold are given for an app root that verifies with its trust root. */
export function assertNoKeysBesideRoot(layout: AppLayout, policy: TrustPolicy): void {
  if (hasStoredTrustRoot(layout) && (policy.keys.length > 0 || policy.threshold !== undefined))
    throw new RelsealError(
      'E_USAGE',
      `${layout.root} verifies releases with its trust root (.relseal/trust-root.json); ` +
        'do not also give trusted keys or a threshold (--pubkey, --threshold)',
    )
}
