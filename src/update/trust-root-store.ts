import { existsSync } from 'node:fs'
import { RelsealError } from '../errors.js'
import {
  advanceTrustRoot,
  readTrustRootFile,
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
