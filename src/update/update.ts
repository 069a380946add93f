import { randomUUID } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import semver from 'semver'
import { isRelsealError, RelsealError, REFUSAL_CODES } from '../errors.js'
import { assertSafeRef, runGit } from '../git/git.js'
import { verifyManifest, verifyTree, type VerifiedManifest } from '../manifest/index.js'
import { hashTree } from '../tree/index.js'
import type { TrustPolicy } from '../trust/policy.js'
import { appendEvidence, type EvidenceRecord, type ReleaseRef, type StepRecord } from './evidence.js'
import { installedVersions, readInstalled, releaseRef, removeRelease, writeInstalled } from './installed.js'
import { appLayout, readAppConfig, releaseDir, type AppLayout } from './layout.js'
import { acquireLock } from './lock.js'
import { verifyTagForCommit } from '../tag/index.js'
import { loadManifestSource, type SourceOptions } from './manifest-source.js'
import { readPointer, removeStalePointerTemps, swapPointer, type KillPoint } from './pointer.js'
import { runReleaseCommand } from './run-command.js'

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

/**
 * Updates an app root to the release a signed manifest pins, or leaves it exactly as it was.
 * Verification happens before any git command; the commit's tree is verified from the object
 * store before checkout and again in the new worktree; `current` switches by one atomic rename.
 *
 * @example
 * await updateToRelease({ appRoot: '/srv/app', manifest: 'github:acme/app@latest',
 *   policy: { keys: [parsePublicKey(pub, 'release.pub')], repository: 'acme/app' },
 *   healthCommand: 'node healthcheck.js', onProgress: (step, pct, msg) => log(step, pct, msg) })
 */
export async function updateToRelease(o: UpdateOptions): Promise<UpdateResult> {
  const layout = appLayout(o.appRoot)
  const config = readAppConfig(layout)
  const runId = randomUUID()
  const steps: StepRecord[] = []
  const evidence: EvidenceRecord = { run_id: runId, time: new Date().toISOString(), outcome: 'failed', steps }
  const step = async <T>(
    name: UpdateStep,
    percent: number,
    message: string,
    fn: () => Promise<T> | T,
  ): Promise<T> => {
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
  const release = await step('lock', 0, 'taking the update lock', () => acquireLock(layout.lock))
  let created: string | undefined
  let swapped = false
  try {
    removeStalePointerTemps(layout.root)
    const bytes = await step('load', 5, 'loading the manifest', () =>
      typeof o.manifest === 'string' ? loadManifestSource(o.manifest, o.source) : o.manifest,
    )
    const verified = await step('verify', 10, 'verifying the manifest signature', () =>
      verifyManifest(bytes, o.policy),
    )
    const target = refOf(verified)
    Object.assign(evidence, { to: target, manifest_digest: verified.digest, key_ids: verified.keyIds })
    assertSafeRef(verified.payload.tag, 'manifest tag')
    const currentVersion = readPointer(layout.current)
    const installed = readInstalled(layout, currentVersion)
    if (installed)
      evidence.from = { version: installed.version, commit: installed.commit, code_hash: installed.code_hash }
    const upToDate = await step('freeze', 15, 'checking version order', () =>
      checkOrder(installed, verified, o.allowDowngrade),
    )
    if (upToDate) {
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
    const dir = releaseDir(layout, target.version)
    if (o.allowedSigners !== undefined) {
      const signers = o.allowedSigners
      evidence.tag_signer = await step(
        'verify-tag',
        20,
        `verifying the signed tag ${verified.payload.tag}`,
        () => verifyRemoteTag(layout, config.remote, verified, signers),
      )
    }
    try {
      await step('fetch', 25, `fetching commit ${target.commit}`, () =>
        // Only the pinned commit, by id. The ref records it, so later fetches can tell the remote which
        // objects the store already has. (Not --depth=1: git 2.39 then spends ~9 s of system time
        // checking out a 38k-file tree from the shallow store, more than the history costs once.)
        runGit(
          [
            'fetch',
            '-q',
            '--no-tags',
            '--depth=1',
            '--end-of-options',
            config.remote,
            `+${target.commit}:${releaseRef(target.version)}`,
          ],
          { cwd: layout.store },
        ),
      )
      await step('verify-commit', 45, 'verifying the commit tree before checkout', async () =>
        verifyTree(verified.payload, await hashTree({ dir: layout.store, rev: target.commit })),
      )
      await step('worktree', 60, `checking out releases/${target.version}`, async () => {
        if (existsSync(dir) && target.version !== currentVersion) await removeRelease(layout, dir)
        created = dir
        await runGit(['worktree', 'add', '-q', '--detach', '--end-of-options', dir, target.commit], {
          cwd: layout.store,
        })
      })
      await step('verify-worktree', 70, 'verifying the checked-out tree', async () =>
        verifyTree(verified.payload, await hashTree({ dir })),
      )
      if (o.installCommand) {
        await step('install', 80, 'running the install command', () =>
          runReleaseCommand(o.installCommand!, dir, o.installTimeoutMs ?? 300_000, 'E_INSTALL_FAILED'),
        )
      }
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
      await step('swap', 95, `switching current to ${target.version}`, () => {
        writeInstalled(
          layout,
          {
            ...target,
            tag: verified.payload.tag,
            manifest_digest: verified.digest,
            key_ids: verified.keyIds,
          },
          bytes,
        )
        // rollback first: a crash between the two renames leaves both naming whole releases
        if (currentVersion !== undefined) swapPointer(layout.rollback, currentVersion)
        o.killPoint?.('swap:rollback-set')
        swapPointer(layout.current, target.version, o.killPoint)
        swapped = true
      })
    } catch (e) {
      throw asFailure(e)
    }
    evidence.outcome = 'updated'
    evidence.rollback_command = `relseal rollback --app-root ${layout.root}`
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
    if (created !== undefined && !swapped) await removeRelease(layout, created).catch(() => undefined)
    evidence.outcome = isRelsealError(e) && REFUSAL_CODES.has(e.code) ? 'refused' : 'failed'
    if (isRelsealError(e)) evidence.error_code = e.code
    evidence.error = (e as Error).message
    appendEvidence(layout.evidence, evidence)
    throw e
  } finally {
    release()
  }
}

/** True when the release is already running; refuses a downgrade unless allowed. */
function checkOrder(
  installed: ReturnType<typeof readInstalled>,
  verified: VerifiedManifest,
  allowDowngrade = false,
): boolean {
  if (!installed) return false
  const p = verified.payload
  if (installed.code_hash === p.code_hash) return true
  if (!allowDowngrade && semver.lte(p.version, installed.version)) {
    throw new RelsealError(
      'E_DOWNGRADE',
      `the manifest is for ${p.version}, not newer than the running ${installed.version}; pass --allow-downgrade to install it anyway`,
    )
  }
  return false
}

/** Removes releases beyond `keep`, oldest first, never current or rollback. */
export async function pruneReleases(layout: AppLayout, keep: number): Promise<string[]> {
  const pinned = new Set(
    [readPointer(layout.current), readPointer(layout.rollback)].filter((v) => v !== undefined),
  )
  const versions = installedVersions(layout)
    .filter((v) => semver.valid(v))
    .sort(semver.rcompare)
  const removable = versions.filter((v) => !pinned.has(v))
  const excess = Math.max(0, versions.length - Math.max(keep, pinned.size))
  const removed = excess === 0 ? [] : removable.slice(Math.max(0, removable.length - excess))
  for (const v of removed) {
    await removeRelease(layout, releaseDir(layout, v))
    rmSync(`${layout.manifests}/${v}.json`, { force: true })
    rmSync(`${layout.manifests}/${v}.release_manifest.json`, { force: true })
  }
  return removed
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
