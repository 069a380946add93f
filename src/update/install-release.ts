import { lstatSync } from 'node:fs'
import { RelsealError } from '../errors.js'
import { runGit } from '../git/git.js'
import { verifyTree, type VerifiedManifest } from '../manifest/index.js'
import { hashTree } from '../tree/index.js'
import { verifyTagForCommit } from '../tag/index.js'
import type { EvidenceRecord, ReleaseRef } from './evidence.js'
import { isRealDir, readInstalled, releaseRef, removeRelease, type InstalledRelease } from './installed.js'
import { readAppConfig, releaseDir, type AppLayout } from './layout.js'
import { readPointer } from './pointer.js'
import { verifyReleaseFolder } from './reverify.js'
import { runReleaseCommand } from './run-command.js'
import { linkSharedEntries, sharedEntriesFor } from './shared.js'
import { hashUntracked } from './untracked.js'
import type { UpdateOptions, UpdateStep } from './update.js'

export const refOf = (v: VerifiedManifest): ReleaseRef => ({
  version: v.payload.version,
  commit: v.payload.commit,
  code_hash: v.payload.code_hash,
})

export type StepFn = <T>(
  name: UpdateStep,
  percent: number,
  message: string,
  fn: () => Promise<T> | T,
) => Promise<T>

function exists(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch {
    return false
  }
}

/**
 * The steps from verify-tag to health: the release folder made (or, for the release `rollback`
 * names, re-verified where it is: it is never deleted), verified, installed and checked. Sets
 * `made.dir` once it creates a folder (removed on failure); returns the record to write at the swap.
 */
export async function installRelease(
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
  // Issue 16, item 3: links to <app-root>/shared/ before the install command sees the folder.
  const shared = sharedEntriesFor(o.shared, readAppConfig(layout).shared, layout)
  if (shared.length > 0 && !reuse) {
    await step('shared', 75, `linking ${shared.length} shared entr${shared.length === 1 ? 'y' : 'ies'}`, () =>
      linkSharedEntries(layout, dir, target.version, shared),
    )
  }
  // A kept release was installed when it was first made; its install step is not run again.
  if (o.installCommand && !reuse) {
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
  // What install and health left beside the tracked files: rollback later expects exactly this.
  const untracked = reuse ? record?.untracked : await hashUntracked(dir)
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
