import { assertSafeRef } from '../git/git.js'
import { verifyManifest } from '../manifest/index.js'
import { parseTrustRoot, readTrustRootFile, trustPolicyOf } from '../trust/trust-root.js'
import { refOf } from './install-release.js'
import { readInstalled } from './installed.js'
import { assertAppRootFolders, resolveAppRepository } from './layout.js'
import { acquireLock } from './lock.js'
import { loadSource } from './manifest-source.js'
import { readPointer, removeStalePointerTemps } from './pointer.js'
import { clearGitLockFiles, clearKilledRunLeftovers } from './recover.js'
import { checkReleaseOrder } from './release-order.js'
import { advanceStoredTrustRoot } from './trust-root-store.js'
import type { UpdateRun } from './update-run.js'

// The steps up to the version checks: nothing in them writes to the app root but the lock and,
// once a chain of newer trust roots verified, the stored trust root.

/** lock: one updater per app root; a stale lock's leftovers (git processes, git locks) are cleared. */
export async function takeLock(run: UpdateRun): Promise<void> {
  const { layout } = run
  const held = acquireLock(layout.lock, () => clearGitLockFiles(layout))
  try {
    if (held.tookOverStale) await clearKilledRunLeftovers(layout)
  } catch (e) {
    held.release()
    throw e
  }
  run.releaseLock = held.release
}

/** Before the steps proper, under the lock: the app root's folders and repository are checked. */
export function checkAppRoot(run: UpdateRun): void {
  const { layout } = run
  assertAppRootFolders(layout)
  run.repo = resolveAppRepository(layout, run.config, run.o.policy.repository)
  removeStalePointerTemps(layout.root)
}

/** load: the manifest bytes (and, with a trust root, the newer roots published beside it). */
export async function loadManifest(run: UpdateRun): Promise<void> {
  const { o, layout } = run
  // Only which file names to look for; the stored root is verified in the trust-root step.
  const rootsAfter = run.useTrustRoot
    ? parseTrustRoot(await readTrustRootFile(layout.trustRoot)).untrustedPayload.version
    : undefined
  run.loaded =
    typeof o.manifest === 'string'
      ? await loadSource(o.manifest, o.source, rootsAfter)
      : { manifest: o.manifest, untrustedRoots: [] }
}

/**
 * trust-root (issue 15): the keys come from the newest trust root that verified N -> N+1 -> ...
 * (TUF 5.3); the stored root changes only when that chain verified.
 */
export async function followTrustRoots(run: UpdateRun): Promise<void> {
  const now = run.o.policy.now ?? new Date()
  const { root, from } = await advanceStoredTrustRoot(
    run.layout,
    run.repo.repository,
    run.loaded.untrustedRoots,
    now,
  )
  run.evidence.trust_root = { from, to: root.payload.version, signers: root.signers }
  run.policy = { ...run.o.policy, ...trustPolicyOf(root, now) }
}

/** verify: the signature, threshold, expiry and repository; nothing of the payload is used before. */
export function verifySignature(run: UpdateRun): void {
  const verified = verifyManifest(run.loaded.manifest, { ...run.policy, repository: run.repo.repository })
  run.verified = verified
  run.target = refOf(verified)
  Object.assign(run.evidence, { to: run.target, manifest_digest: verified.digest, key_ids: verified.keyIds })
  assertSafeRef(verified.payload.tag, 'manifest tag')
  const installed = readInstalled(run.layout, readPointer(run.layout.current))
  if (installed) {
    run.from = installed
    run.evidence.from = {
      version: installed.version,
      commit: installed.commit,
      code_hash: installed.code_hash,
    }
  }
}

/** freeze: true when the manifest names the running release (up to date); refuses reuse and downgrades. */
export function checkFreeze(run: UpdateRun): boolean {
  return checkReleaseOrder(run.layout, run.from, run.verified, run.o.allowDowngrade)
}
