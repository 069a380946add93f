import { randomUUID } from 'node:crypto'
import { isRelsealError, RelsealError, REFUSAL_CODES } from '../errors.js'
import { assertSafeRef, runGit } from '../git/git.js'
import { verifyManifest, verifyTree, type VerifiedManifest } from '../manifest/index.js'
import { hashTree } from '../tree/index.js'
import type { TrustPolicy } from '../trust/policy.js'
import { appendEvidence, type EvidenceRecord, type ReleaseRef, type StepRecord } from './evidence.js'
import {
  isRealDir,
  olderInstalled,
  readInstalled,
  releaseRef,
  removeRelease,
  writeInstalled,
  type InstalledRelease,
} from './installed.js'
import {
  appLayout,
  assertAppRootFolders,
  readAppConfig,
  recordAppRepository,
  releaseDir,
  resolveAppRepository,
  type AppLayout,
} from './layout.js'
import { acquireLock } from './lock.js'
import { verifyTagForCommit } from '../tag/index.js'
import { loadManifestSource, type SourceOptions } from './manifest-source.js'
import {
  readPointer,
  removeStalePointerTemps,
  setRollbackPointer,
  swapPointer,
  type KillPoint,
} from './pointer.js'
import { pruneReleases } from './prune.js'
import { clearGitLockFiles, clearKilledRunLeftovers } from './recover.js'
import { checkReleaseOrder } from './release-order.js'
import { verifyReleaseFolder } from './reverify.js'
import { runReleaseCommand } from './run-command.js'
import { hashUntracked } from './untracked.js'
import { lstatSync } from 'node:fs'

export { pruneReleases }

export type UpdateStep =
  | 'lock'
  | 'load'
  | 'verify'
  | 'freeze'
  | 'verify-tag'
  | 'fetch'
  | 'verify-commit'
  | 'worktree'
  | 'verify-worktree'
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
   * init (an app root made before that record takes it from here once).
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
  onProgress?: (step: UpdateStep, percent: number, message: string) => void
  /** Crash-safety test hook: called at every step boundary; never set in normal use. */
  killPoint?: KillPoint
}

export interface UpdateResult {
  outcome: 'updated' | 'up-to-date'
  runId: string
  from?: ReleaseRef
  to: ReleaseRef
  evidence: EvidenceRecord
}

const refOf = (v: VerifiedManifest): ReleaseRef => ({
  version: v.payload.version,
  commit: v.payload.commit,
  code_hash: v.payload.code_hash,
})

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

function exists(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch {
    return false
  }
}

type StepFn = <T>(name: UpdateStep, percent: number, message: string, fn: () => Promise<T> | T) => Promise<T>

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
  const runId = randomUUID()
  const steps: StepRecord[] = []
  const evidence: EvidenceRecord = { run_id: runId, time: new Date().toISOString(), outcome: 'failed', steps }
  const step = stepRunner(o, steps)
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
    const bytes = await step('load', 5, 'loading the manifest', () =>
      typeof o.manifest === 'string' ? loadManifestSource(o.manifest, o.source) : o.manifest,
    )
    const verified = await step('verify', 10, 'verifying the manifest signature', () =>
      verifyManifest(bytes, { ...o.policy, repository: repo.repository }),
    )
    const target = refOf(verified)
    Object.assign(evidence, { to: target, manifest_digest: verified.digest, key_ids: verified.keyIds })
    assertSafeRef(verified.payload.tag, 'manifest tag')
    const currentVersion = readPointer(layout.current)
    const installed = readInstalled(layout, currentVersion)
    if (installed)
      evidence.from = { version: installed.version, commit: installed.commit, code_hash: installed.code_hash }
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
      evidence.rollback_command = `relseal rollback --app-root ${layout.root} --pubkey KEY`
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

/**
 * The steps from verify-tag to health: the release folder made (or, for the release `rollback`
 * names, re-verified where it is: it is never deleted), verified, installed and checked. Sets
 * `made.dir` once it creates a folder (removed on failure); returns the record to write at the swap.
 */
async function installRelease(
  o: UpdateOptions,
  layout: AppLayout,
  remote: string,
  verified: VerifiedManifest,
  step: StepFn,
  evidence: EvidenceRecord,
  made: { dir?: string },
): Promise<InstalledRelease> {
  const target = refOf(verified)
  const dir = releaseDir(layout, target.version)
  if (o.allowedSigners !== undefined) {
    const signers = o.allowedSigners
    evidence.tag_signer = await step(
      'verify-tag',
      20,
      `verifying the signed tag ${verified.payload.tag}`,
      () => verifyRemoteTag(layout, remote, verified, signers),
    )
  }
  await step('fetch', 25, `fetching commit ${target.commit}`, () =>
    // Only the pinned commit, by id; the ref records it, so later fetches can tell the remote which
    // objects the store already has.
    runGit(
      [
        'fetch',
        '-q',
        '--no-tags',
        '--depth=1',
        '--end-of-options',
        remote,
        `+${target.commit}:${releaseRef(target.version)}`,
      ],
      { cwd: layout.store },
    ),
  )
  await step('verify-commit', 45, 'verifying the commit tree before checkout', async () =>
    verifyTree(verified.payload, await hashTree({ dir: layout.store, rev: target.commit })),
  )
  const reuse = target.version === readPointer(layout.rollback) && isRealDir(dir)
  await step(
    'worktree',
    60,
    reuse ? `re-using releases/${target.version}` : `checking out releases/${target.version}`,
    async () => {
      if (reuse) return
      if (exists(dir)) await removeRelease(layout, dir) // a leftover of a killed run, or an unpinned old copy
      await runGit(['worktree', 'prune'], { cwd: layout.store })
      made.dir = dir
      await runGit(['worktree', 'add', '-q', '--detach', '--end-of-options', dir, target.commit], {
        cwd: layout.store,
      })
    },
  )
  const record = readInstalled(layout, target.version)
  await step('verify-worktree', 70, 'verifying the checked-out tree', () =>
    verifyReleaseFolder(dir, verified.payload, reuse ? record : undefined),
  )
  // A kept release was installed when it was first made; its install step is not run again.
  if (o.installCommand && !reuse) {
    await step('install', 80, 'running the install command', () =>
      runReleaseCommand(o.installCommand!, dir, o.installTimeoutMs ?? 300_000, 'E_INSTALL_FAILED'),
    )
  }
  const untracked = reuse ? record?.untracked : await hashUntracked(dir)
  if (o.healthCommand || o.healthCheck) {
    await step('health', 90, 'checking the new release', async () => {
      if (o.healthCommand)
        await runReleaseCommand(o.healthCommand, dir, o.healthTimeoutMs ?? 60_000, 'E_HEALTH_FAILED')
      if (o.healthCheck)
        await o.healthCheck(dir).catch((e: unknown) =>
          Promise.reject(
            new RelsealError('E_HEALTH_FAILED', `health check failed: ${(e as Error).message}`, {
              cause: e,
            }),
          ),
        )
    })
  }
  return {
    ...target,
    tag: verified.payload.tag,
    manifest_digest: verified.digest,
    key_ids: verified.keyIds,
    ...(untracked ? { untracked: { files: untracked.files, hash: untracked.hash } } : {}),
  }
}

/** Fetches the manifest's tag from the remote into the store and verifies its SSH signature and target. */
async function verifyRemoteTag(
  layout: AppLayout,
  remote: string,
  verified: VerifiedManifest,
  allowedSigners: string,
): Promise<{ principal: string; fingerprint: string }> {
  const { tag, commit } = verified.payload
  const ref = `refs/relseal/tags/${tag}`
  await runGit(['fetch', '-q', '--no-tags', '--end-of-options', remote, `+refs/tags/${tag}:${ref}`], {
    cwd: layout.store,
  })
  const v = await verifyTagForCommit({ repoDir: layout.store, tag, ref, commit, allowedSigners })
  return { principal: v.principal, fingerprint: v.fingerprint }
}
