import { randomUUID } from 'node:crypto'
import { isRelsealError, RelsealError, REFUSAL_CODES } from '../errors.js'
import { assertSafeRef } from '../git/git.js'
import { verifyManifest } from '../manifest/index.js'
import type { TrustPolicy } from '../trust/policy.js'
import { appendEvidence, type EvidenceRecord, type ReleaseRef, type StepRecord } from './evidence.js'
import { installRelease, refOf, type StepFn } from './install-release.js'
import { olderInstalled, readInstalled, removeRelease, writeInstalled } from './installed.js'
import {
  appLayout,
  assertAppRootFolders,
  readAppConfig,
  recordAppRepository,
  resolveAppRepository,
} from './layout.js'
import { acquireLock } from './lock.js'
import { loadSource, type LoadedSource, type SourceOptions } from './manifest-source.js'
import { advanceStoredTrustRoot, assertNoKeysBesideRoot, hasStoredTrustRoot } from './trust-root-store.js'
import { parseTrustRoot, readTrustRootFile, trustPolicyOf } from '../trust/trust-root.js'
import {
  readPointer,
  removeStalePointerTemps,
  setRollbackPointer,
  swapPointer,
  type KillPoint,
} from './pointer.js'
import { pruneReleases } from './prune.js'
import { parseSharedEntries } from './shared.js'
import { clearGitLockFiles, clearKilledRunLeftovers } from './recover.js'
import { checkReleaseOrder } from './release-order.js'
import { checkWithdrawal } from './withdrawal-gate.js'
import { checkRolloutStage, deferUpdate } from './rollout-gate.js'

export { pruneReleases }

export type UpdateStep =
  | 'lock'
  | 'load'
  | 'trust-root'
  | 'verify'
  | 'withdrawn'
  | 'rollout'
  | 'freeze'
  | 'verify-tag'
  | 'fetch'
  | 'verify-commit'
  | 'worktree'
  | 'verify-worktree'
  | 'shared'
  | 'install'
  | 'health'
  | 'swap'
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
  /** Crash-safety test hook: called at every step boundary; never set in normal use. */
  killPoint?: KillPoint
}

export interface UpdateResult {
  outcome: 'updated' | 'up-to-date' | 'rolled-back' | 'deferred'
  runId: string
  /** Outcome `deferred`: when this host's rollout stage opens (ISO time); nothing was changed. */
  deferredUntil?: string
  from?: ReleaseRef
  to: ReleaseRef
  evidence: EvidenceRecord
}

/** Errors after verification that are not refusals mean "failed, nothing swapped" (CLI exit 3). */
function asFailure(e: unknown): unknown {
  if (
    e instanceof RelsealError &&
    (REFUSAL_CODES.has(e.code) || e.code === 'E_INSTALL_FAILED' || e.code === 'E_HEALTH_FAILED')
  )
    return e
  // Anything else after verification, a RelsealError or a raw I/O error, means: failed, nothing swapped.
  const detail =
    e instanceof RelsealError ? `${e.message} (${e.code})` : e instanceof Error ? e.message : String(e)
  return new RelsealError('E_UPDATE_FAILED', `${detail}; nothing was swapped, the current release runs on`, {
    cause: e,
  })
}

function stepRunner(o: UpdateOptions, steps: StepRecord[]): StepFn {
  return async (name, percent, message, fn) => {
    o.killPoint?.(`before:${name}`)
    o.onProgress?.(name, percent, message)
    const started = Date.now()
    const rec: StepRecord = {
      step: name,
      started: new Date(started).toISOString(),
      duration_ms: 0,
      outcome: 'ok',
    }
    steps.push(rec)
    try {
      return await fn()
    } catch (e) {
      rec.outcome = 'failed'
      throw e
    } finally {
      rec.duration_ms = Date.now() - started
    }
  }
}

/**
 * Updates an app root to the release a signed manifest pins, or leaves it exactly as it was.
 * Verification happens before any git command; the commit's tree is verified from the object
 * store before checkout and again in the new worktree; `current` switches by one atomic rename.
 *
 * @example
 * await updateToRelease({ appRoot: '/srv/app', manifest: 'github:acme/app@latest',
 *   policy: { keys: [parsePublicKey(pub, 'release.pub')] },
 *   healthCommand: 'node healthcheck.js', onProgress: (step, pct, msg) => log(step, pct, msg) })
 */
export async function updateToRelease(o: UpdateOptions): Promise<UpdateResult> {
  const layout = appLayout(o.appRoot)
  const config = readAppConfig(layout)
  const runId = o.runId ?? randomUUID()
  const steps: StepRecord[] = []
  const evidence: EvidenceRecord = { run_id: runId, time: new Date().toISOString(), outcome: 'failed', steps }
  const step = stepRunner(o, steps)
  const useTrustRoot = hasStoredTrustRoot(layout)
  assertNoKeysBesideRoot(layout, o.policy)
  if (o.shared !== undefined) parseSharedEntries(o.shared) // a bad name is E_USAGE before any step
  const lock = await step('lock', 0, 'taking the update lock', async () => {
    const held = acquireLock(layout.lock, () => clearGitLockFiles(layout))
    try {
      if (held.tookOverStale) await clearKilledRunLeftovers(layout)
    } catch (e) {
      held.release()
      throw e
    }
    return held
  })
  const made: { dir?: string } = {}
  let swapped = false
  try {
    assertAppRootFolders(layout)
    const repo = resolveAppRepository(layout, config, o.policy.repository)
    removeStalePointerTemps(layout.root)
    const loaded: LoadedSource = await step('load', 5, 'loading the manifest', async () => {
      // Only which file names to look for; the stored root is verified in the trust-root step.
      const rootsAfter = useTrustRoot
        ? parseTrustRoot(await readTrustRootFile(layout.trustRoot)).untrustedPayload.version
        : undefined
      return typeof o.manifest === 'string'
        ? loadSource(o.manifest, o.source, rootsAfter)
        : { manifest: o.manifest, untrustedRoots: [] }
    })
    const bytes = loaded.manifest
    // Issue 15: the keys come from the newest trust root that verified N -> N+1 -> ... (TUF 5.3);
    // the stored root changes only when that chain verified.
    const policy: TrustPolicy = useTrustRoot
      ? await step('trust-root', 8, 'verifying newer trust roots', async () => {
          const now = o.policy.now ?? new Date()
          const { root, from } = await advanceStoredTrustRoot(
            layout,
            repo.repository,
            loaded.untrustedRoots,
            now,
          )
          evidence.trust_root = { from, to: root.payload.version, signers: root.signers }
          return { ...o.policy, ...trustPolicyOf(root, now) }
        })
      : o.policy
    const verified = await step('verify', 10, 'verifying the manifest signature', () =>
      verifyManifest(bytes, { ...policy, repository: repo.repository }),
    )
    const target = refOf(verified)
    Object.assign(evidence, { to: target, manifest_digest: verified.digest, key_ids: verified.keyIds })
    assertSafeRef(verified.payload.tag, 'manifest tag')
    const currentVersion = readPointer(layout.current)
    const installed = readInstalled(layout, currentVersion)
    if (installed)
      evidence.from = { version: installed.version, commit: installed.commit, code_hash: installed.code_hash }
    // Only when the source published a release_withdrawn.json (withdrawal-gate.ts).
    const withdrawn =
      loaded.untrustedWithdrawal &&
      (await step('withdrawn', 12, 'verifying the signed withdrawal', () =>
        checkWithdrawal({
          layout,
          policy: { ...policy, repository: repo.repository },
          target: verified,
          running: installed,
          untrustedWithdrawal: loaded.untrustedWithdrawal,
          evidence,
        }),
      ))
    if (withdrawn) {
      if (repo.record) recordAppRepository(layout, config, repo.repository)
      appendEvidence(layout.evidence, evidence)
      return { outcome: 'rolled-back', runId, ...withdrawn, evidence }
    }
    const deferral = await step('rollout', 12, 'checking the rollout stage', () =>
      checkRolloutStage(verified.payload, evidence, {
        hostId: o.hostId,
        ignoreRollout: o.ignoreRollout,
        now: o.policy.now,
        running: installed?.version,
      }),
    )
    if (deferral) return deferUpdate(layout, evidence, runId, deferral)
    const upToDate = await step('freeze', 15, 'checking version order', () =>
      checkReleaseOrder(layout, installed, verified, o.allowDowngrade),
    )
    if (upToDate) {
      if (repo.record) recordAppRepository(layout, config, repo.repository)
      evidence.outcome = 'up-to-date'
      appendEvidence(layout.evidence, evidence)
      return {
        outcome: 'up-to-date',
        runId,
        to: target,
        evidence,
        ...(evidence.from ? { from: evidence.from } : {}),
      }
    }
    try {
      const record = await installRelease(o, layout, config.remote, verified, step, evidence, made)
      await step('swap', 95, `switching current to ${target.version}`, () => {
        writeInstalled(layout, record, bytes)
        // rollback first: a crash between the two renames leaves both naming whole releases. It
        // names the newest installed release older than the new current (issue 22, item 5).
        setRollbackPointer(layout.rollback, olderInstalled(layout, target.version))
        o.killPoint?.('swap:rollback-set')
        swapPointer(layout.current, target.version, o.killPoint)
        swapped = true
        if (repo.record) recordAppRepository(layout, config, repo.repository)
      })
    } catch (e) {
      throw asFailure(e)
    }
    evidence.outcome = 'updated'
    if (readPointer(layout.rollback) !== undefined)
      evidence.rollback_command = `relseal rollback --app-root ${layout.root}${useTrustRoot ? '' : ' --pubkey KEY'}`
    await step('prune', 100, 'pruning old releases', () => pruneReleases(layout, o.keep ?? 3))
    o.killPoint?.('before:evidence')
    appendEvidence(layout.evidence, evidence)
    return {
      outcome: 'updated',
      runId,
      to: target,
      evidence,
      ...(evidence.from ? { from: evidence.from } : {}),
    }
  } catch (e) {
    if (made.dir !== undefined && !swapped) await removeRelease(layout, made.dir).catch(() => undefined)
    evidence.outcome = isRelsealError(e) && REFUSAL_CODES.has(e.code) ? 'refused' : 'failed'
    if (isRelsealError(e)) evidence.error_code = e.code
    evidence.error = (e as Error).message
    appendEvidence(layout.evidence, evidence)
    throw e
  } finally {
    lock.release()
  }
}
