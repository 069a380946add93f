import { randomUUID } from 'node:crypto'
import { isRelsealError, REFUSAL_CODES, RelsealError } from '../errors.js'
import { verifyManifest } from '../manifest/index.js'
import type { TrustPolicy } from '../trust/policy.js'
import { appendEvidence, type EvidenceRecord } from './evidence.js'
import { olderInstalled, readInstalled, readStoredEnvelope, type InstalledRelease } from './installed.js'
import {
  appLayout,
  assertAppRootFolders,
  readAppConfig,
  recordAppRepository,
  resolveAppRepository,
  type AppLayout,
} from './layout.js'
import { acquireLock } from './lock.js'
import { readPointer, setRollbackPointer, swapPointer } from './pointer.js'
import { clearGitLockFiles, clearKilledRunLeftovers } from './recover.js'
import { verifyKeptRelease } from './tarball-steps.js'
import { clearPendingSupervision } from './supervising.js'
import { appRootPolicy, hasStoredTrustRoot } from './trust-root-store.js'

const refOf = (r: InstalledRelease) => ({ version: r.version, commit: r.commit, code_hash: r.code_hash })

/** Picks the release to go back to and re-verifies it from its stored signed manifest. */
async function verifiedTarget(
  layout: AppLayout,
  policy: TrustPolicy,
  from: InstalledRelease,
): Promise<InstalledRelease> {
  const version = olderInstalled(layout, from.version)
  if (version === undefined) {
    throw new RelsealError(
      'E_NOT_FOUND',
      `no release older than the running ${from.version} is installed in ${layout.root}: there is nothing to roll back to ` +
        `(rollback only goes back; to install another release use relseal update)`,
    )
  }
  return reverifyInstalled(layout, policy, version)
}

/**
 * Re-verifies an installed release from its stored signed manifest with `policy` (signature, and
 * for a git release its commit, tracked and untracked files; for a tarball release its kept
 * archive's digest and every path of its folder) and returns its record; what `rollback` does before it
 * moves `current` (also used when a withdrawal rolls a host back, withdrawal-gate.ts).
 */
export async function reverifyInstalled(
  layout: AppLayout,
  policy: TrustPolicy,
  version: string,
): Promise<InstalledRelease> {
  // The signed envelope, not the local record: a record edited on disk proves nothing. Expiry is
  // not enforced: the manifest was current when this release was installed from it.
  const verified = verifyManifest(readStoredEnvelope(layout, version), { ...policy, enforceExpiry: false })
  if (verified.payload.version !== version) {
    throw new RelsealError(
      'E_TREE_MISMATCH',
      `the stored manifest of releases/${version} is signed for ${verified.payload.version}; reinstall ${version} with relseal update`,
    )
  }
  const record = readInstalled(layout, version)
  await verifyKeptRelease(layout, verified.payload, record)
  return { ...record!, ...refOf({ ...record!, ...verified.payload }) }
}

/**
 * Moves `current` back to the newest installed release older than it (never forward), after
 * re-verifying that release against its stored signed manifest with `policy`: signature, commit,
 * tracked files and untracked files. `rollback` then names the next older release, if any.
 *
 * @example await rollback({ appRoot: '/srv/app', policy: { keys: [parsePublicKey(pub, 'release.pub')] } })
 */
export async function rollback(o: {
  appRoot: string
  /** Trusted keys; with a trust root in the app root, `{ keys: [] }` (its keys are used). */
  policy: TrustPolicy
}): Promise<{ from: InstalledRelease; to: InstalledRelease }> {
  const layout = appLayout(o.appRoot)
  const config = readAppConfig(layout)
  const lock = acquireLock(layout.lock, () => clearGitLockFiles(layout))
  const record: EvidenceRecord = {
    run_id: randomUUID(),
    time: new Date().toISOString(),
    outcome: 'failed',
    steps: [],
  }
  try {
    if (lock.tookOverStale) await clearKilledRunLeftovers(layout)
    assertAppRootFolders(layout)
    const repo = resolveAppRepository(layout, config, o.policy.repository)
    const from = readInstalled(layout, readPointer(layout.current))
    if (!from)
      throw new RelsealError('E_NOT_FOUND', `${layout.root} runs no release yet; nothing to roll back`)
    record.from = refOf(from)
    // With a trust root, its keys (a key it revoked no longer vouches for an older release either).
    const policy = await appRootPolicy(layout, o.policy, new Date())
    const to = await verifiedTarget(layout, { ...policy, repository: repo.repository }, from)
    record.to = refOf(to)
    // rollback first, as in an update: a crash between the renames leaves both naming whole releases
    setRollbackPointer(layout.rollback, olderInstalled(layout, to.version))
    swapPointer(layout.current, to.version)
    // the operator's answer to an update killed while it supervised (E_SUPERVISION_PENDING)
    clearPendingSupervision(layout)
    if (repo.record) recordAppRepository(layout, config, repo.repository)
    record.outcome = 'rolled-back'
    if (readPointer(layout.rollback) !== undefined)
      record.rollback_command = `relseal rollback --app-root ${layout.root}${hasStoredTrustRoot(layout) ? '' : ' --pubkey KEY'}`
    appendEvidence(layout.evidence, record)
    return { from, to }
  } catch (e) {
    record.outcome = isRelsealError(e) && REFUSAL_CODES.has(e.code) ? 'refused' : 'failed'
    if (isRelsealError(e)) record.error_code = e.code
    record.error = (e as Error).message
    appendEvidence(layout.evidence, record)
    throw e
  } finally {
    lock.release()
  }
}
