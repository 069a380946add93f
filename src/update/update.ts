import { isRelsealError, REFUSAL_CODES } from '../errors.js'
import type { TrustPolicy } from '../trust/policy.js'
import { appendEvidence, type EvidenceRecord, type ReleaseRef } from './evidence.js'
import { checkRollout, checkWithdrawn } from './fleet-steps.js'
import {
  checkHealth,
  fetchCommit,
  linkShared,
  makeWorktree,
  planReleaseDir,
  runInstall,
  sharedEntriesOf,
  verifyCommit,
  verifyTag,
  verifyWorktree,
} from './install-release.js'
import { removeRelease } from './installed.js'
import { recordAppRepository } from './layout.js'
import type { SourceOptions } from './manifest-source.js'
import type { KillPoint } from './pointer.js'
import { pruneReleases } from './prune.js'
import { deferUpdate } from './rollout-gate.js'
import { parseSharedEntries } from './shared.js'
import { hasFailedReleases } from './failed-releases.js'
import {
  checkNotFailedBefore,
  isSupervised,
  pendingSupervision,
  restartAfterWithdrawal,
  resumeSupervision,
  superviseRelease,
} from './supervise-release.js'
import { hasPendingSupervision } from './supervising.js'
import { checkTarballOptions, downloadArchive, extractArchive } from './tarball-steps.js'
import type { SuperviseOptions, SuperviseStep } from './supervise.js'
import { prune, swapToTarget } from './swap-steps.js'
import { assertNoKeysBesideRoot } from './trust-root-store.js'
import { afterSwapFailure, asFailure, stepRunner, UpdateRun, type StepRunner } from './update-run.js'
import {
  checkAppRoot,
  checkFreeze,
  followTrustRoots,
  loadManifest,
  takeLock,
  verifySignature,
} from './verify-steps.js'

export { pruneReleases }

export type UpdateStep =
  | 'lock'
  | 'pending'
  | 'load'
  | 'trust-root'
  | 'verify'
  | 'withdrawn'
  | 'rollout'
  | 'freeze'
  | 'verify-tag'
  | 'download'
  | 'extract'
  | 'fetch'
  | 'verify-commit'
  | 'worktree'
  | 'verify-worktree'
  | 'shared'
  | 'install'
  | 'health'
  | 'swap'
  | SuperviseStep
  | 'failed-before'
  | 'prune'

export interface UpdateOptions {
  appRoot: string
  /** A manifest source (file, https URL, github:OWNER/REPO@TAG) or the manifest bytes. */
  manifest: string | Uint8Array
  /**
   * Trusted keys and threshold. `repository` may only repeat the one the app root recorded at
   * init (an app root made before that record takes it from here once). When the app root holds a
   * trust root (init with `trustRoot`), the keys and threshold come from it: `keys` must then be
   * empty and `threshold` absent (E_USAGE); the other fields (tagPrefix, minVersion) still apply.
   */
  policy: TrustPolicy
  installCommand?: string
  healthCommand?: string
  /** Called inside the new release before the swap; throw to refuse it. */
  healthCheck?: (releaseDir: string) => Promise<void>
  /** Per command (default 300 s for install, 60 s for health). */
  installTimeoutMs?: number
  healthTimeoutMs?: number
  /** Releases kept on disk, current and rollback always among them (default 3). */
  keep?: number
  /** Allows a lower version than the running one (never the same version with other contents). */
  allowDowngrade?: boolean
  /**
   * allowed_signers text: when set, the manifest's tag must be SSH-signed by an allowed signer and
   * point at the pinned commit (a second trust domain beside the CI key), checked before checkout.
   */
  allowedSigners?: string
  source?: SourceOptions
  /**
   * Entries of `<app-root>/shared/` linked into every new release before its install command
   * (`db`, `.env`, `logs/`; docs/updater.md "Shared data"); default: those `init` recorded.
   */
  shared?: readonly string[]
  /** The run's id in evidence, events and results (default: a random UUID). */
  runId?: string
  /** The host's stable id for a phased rollout; default: /etc/machine-id. Hashed, never sent. */
  hostId?: string
  /** Install even when this host's rollout stage is not open yet (the operator's canaries). */
  ignoreRollout?: boolean
  onProgress?: (step: UpdateStep, percent: number, message: string) => void
  /**
   * After the swap (issue 16): the restart command (in the app root) and the watch command (in
   * `current`, every interval over the window); the first failure swaps `current` back, restarts
   * the previous release and ends in outcome 'rolled-back', the failed release kept and marked.
   */
  supervise?: Omit<SuperviseOptions, 'killPoint'>
  /** A version that failed here before and is to be installed again (else E_FAILED_RELEASE). */
  retryFailed?: string
  /**
   * Install the release from this signed `.tar.gz` artifact of the manifest instead of a git
   * worktree (issue 17, item 2; hosts without git): downloaded and matched against its signed
   * size and SHA-256 before extraction. `manifest` must then be a source, not bytes.
   */
  fromArtifact?: string
  /** Crash-safety test hook: called at every step boundary; never set in normal use. */
  killPoint?: KillPoint
}

export interface UpdateResult {
  /**
   * rolled-back: the new release failed its restart or watch, or the running release was withdrawn;
   * `current` is an older release again (CLI exit 4). deferred: this host's rollout stage is not open.
   */
  outcome: 'updated' | 'up-to-date' | 'rolled-back' | 'deferred'
  runId: string
  /** Outcome `deferred`: when this host's rollout stage opens (ISO time); nothing was changed. */
  deferredUntil?: string
  from?: ReleaseRef
  to: ReleaseRef
  evidence: EvidenceRecord
}

/**
 * Updates an app root to the release a signed manifest pins, or leaves it exactly as it was.
 * Verification happens before any git command; the commit's tree is verified from the object
 * store before checkout and again in the new worktree; `current` switches by one atomic rename.
 *
 * The update is the list of steps below, in order: one named function per step (in
 * verify-steps.ts, install-release.ts, tarball-steps.ts, swap-steps.ts, supervise-release.ts), one evidence step
 * record each. A new step is one more line here.
 *
 * @example
 * await updateToRelease({ appRoot: '/srv/app', manifest: 'github:acme/app@latest',
 *   policy: { keys: [parsePublicKey(pub, 'release.pub')] },
 *   healthCommand: 'node healthcheck.js', onProgress: (step, pct, msg) => log(step, pct, msg) })
 */
export async function updateToRelease(o: UpdateOptions): Promise<UpdateResult> {
  const run = new UpdateRun(o)
  const step = stepRunner(run)
  assertNoKeysBesideRoot(run.layout, o.policy)
  if (o.shared !== undefined) parseSharedEntries(o.shared) // a bad name is E_USAGE before any step
  checkTarballOptions(o)
  await step('lock', 0, 'taking the update lock', takeLock)
  try {
    checkAppRoot(run)
    // A run killed after its swap, before its verdict, left supervising.json: finish that first.
    const pending =
      hasPendingSupervision(run.layout) &&
      (await step('pending', 2, 'checking an interrupted supervision', pendingSupervision))
    if (pending && (await resumeSupervision(run, step, pending))) return run.finish('rolled-back')
    await step('load', 5, 'loading the manifest', loadManifest)
    if (run.useTrustRoot) await step('trust-root', 8, 'verifying newer trust roots', followTrustRoots)
    await step('verify', 10, 'verifying the manifest signature', verifySignature)
    // Only when the source published a release_withdrawn.json (withdrawal-gate.ts).
    const back =
      run.loaded.untrustedWithdrawal &&
      (await step('withdrawn', 12, 'verifying the signed withdrawal', checkWithdrawn))
    if (back) {
      if (run.repo.record) recordAppRepository(run.layout, run.config, run.repo.repository)
      // the app stops running the withdrawn code: restart-old, watch-old (issue 16)
      if (isSupervised(run)) await restartAfterWithdrawal(run, step)
      appendEvidence(run.layout.evidence, run.evidence)
      return { outcome: 'rolled-back', runId: run.runId, ...back, evidence: run.evidence }
    }
    const deferral = await step('rollout', 12, 'checking the rollout stage', checkRollout)
    if (deferral) return deferUpdate(run.layout, run.evidence, run.runId, deferral)
    if (await step('freeze', 15, 'checking version order', checkFreeze)) {
      if (run.repo.record) recordAppRepository(run.layout, run.config, run.repo.repository)
      return run.finish('up-to-date')
    }
    if (hasFailedReleases(run.layout))
      await step('failed-before', 17, 'checking the release did not fail here before', checkNotFailedBefore)
    await installAndSwap(run, step)
    // restart, watch; on the first failure swap-back, restart-old, watch-old (issue 16)
    const rolledBack = isSupervised(run) && (await superviseRelease(run, step).catch(afterSwapFailure(run)))
    await step('prune', 100, 'pruning old releases', prune)
    return run.finish(rolledBack ? 'rolled-back' : 'updated')
  } catch (e) {
    if (run.made !== undefined && !run.swapped)
      await removeRelease(run.layout, run.made).catch(() => undefined)
    const { evidence } = run
    evidence.outcome = isRelsealError(e) && REFUSAL_CODES.has(e.code) ? 'refused' : 'failed'
    if (isRelsealError(e)) evidence.error_code = e.code
    evidence.error = (e as Error).message
    appendEvidence(run.layout.evidence, evidence)
    throw e
  } finally {
    run.releaseLock?.()
  }
}

/** The steps after verification up to the swap: any error means "failed, nothing swapped". */
async function installAndSwap(run: UpdateRun, step: StepRunner): Promise<void> {
  const { o, target } = run
  try {
    if (o.fromArtifact !== undefined) await makeFromTarball(run, step)
    else await makeFromGit(run, step)
    const shared = sharedEntriesOf(run).length
    if (shared > 0)
      await step('shared', 75, `linking ${shared} shared entr${shared === 1 ? 'y' : 'ies'}`, linkShared)
    // A kept release was installed when it was first made; its install step is not run again.
    if (o.installCommand && !run.reuse) await step('install', 80, 'running the install command', runInstall)
    if (o.healthCommand || o.healthCheck) await step('health', 90, 'checking the new release', checkHealth)
    await step('swap', 95, `switching current to ${target.version}`, swapToTarget)
  } catch (e) {
    throw asFailure(e)
  }
}

/** A git release: the pinned commit fetched, verified from the object store, checked out, verified again. */
async function makeFromGit(run: UpdateRun, step: StepRunner): Promise<void> {
  const { o, target } = run
  if (o.allowedSigners !== undefined)
    await step('verify-tag', 20, `verifying the signed tag ${run.verified.payload.tag}`, verifyTag)
  await step('fetch', 25, `fetching commit ${target.commit}`, fetchCommit)
  await step('verify-commit', 45, 'verifying the commit tree before checkout', verifyCommit)
  planReleaseDir(run)
  const where = run.reuse ? `re-using releases/${target.version}` : `checking out releases/${target.version}`
  await step('worktree', 60, where, makeWorktree)
  await step('verify-worktree', 70, 'verifying the checked-out tree', verifyWorktree)
}

/** A tarball release (tarball-steps.ts): the signed archive downloaded and matched, then extracted. */
async function makeFromTarball(run: UpdateRun, step: StepRunner): Promise<void> {
  const { o, target } = run
  planReleaseDir(run)
  // The kept rollback release is installed again as it is, re-verified by its own kind.
  if (run.reuse)
    return void (await step('verify-worktree', 70, `re-using releases/${target.version}`, verifyWorktree))
  await step('download', 25, `downloading ${o.fromArtifact!} and matching its signed digest`, downloadArchive)
  await step('extract', 60, `extracting ${o.fromArtifact!} into releases/${target.version}`, extractArchive)
}
