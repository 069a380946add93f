import { RelsealError } from '../errors.js'
import { runGit } from '../git/git.js'
import { verifyTree, type VerifiedManifest } from '../manifest/index.js'
import { hashTree } from '../tree/index.js'
import { verifyTagForCommit } from '../tag/index.js'
import type { ReleaseRef } from './evidence.js'
import {
  exists,
  isRealDir,
  readInstalled,
  releaseRef,
  removeRelease,
  type InstalledRelease,
} from './installed.js'
import { releaseDir, type AppLayout } from './layout.js'
import { readPointer } from './pointer.js'
import { verifyReleaseFolder } from './reverify.js'
import { runReleaseCommand } from './run-command.js'
import { linkSharedEntries, sharedEntriesFor } from './shared.js'
import { tarballRecord, verifyKeptRelease } from './tarball-steps.js'
import { hashUntracked } from './untracked.js'
import type { UpdateRun } from './update-run.js'

export const refOf = (v: VerifiedManifest): ReleaseRef => ({
  version: v.payload.version,
  commit: v.payload.commit,
  code_hash: v.payload.code_hash,
})

// The steps from verify-tag to health: the release folder made (or, for the release `rollback`
// names, re-verified where it is: it is never deleted), verified, installed and checked. A folder
// this run creates is recorded in `run.made` and removed if the run fails before the swap.

/** verify-tag (with allowedSigners): the manifest's tag is SSH-signed by an allowed signer. */
export async function verifyTag(run: UpdateRun): Promise<void> {
  run.evidence.tag_signer = await verifyRemoteTag(
    run.layout,
    run.config.remote,
    run.verified,
    run.o.allowedSigners!,
  )
}

/** fetch: only the pinned commit, by id, into the store. */
export async function fetchCommit(run: UpdateRun): Promise<void> {
  const { version, commit } = run.target
  // The ref records it, so later fetches can tell the remote which objects the store already has.
  await runGit(
    [
      'fetch',
      '-q',
      '--no-tags',
      '--depth=1',
      '--end-of-options',
      run.config.remote,
      `+${commit}:${releaseRef(version)}`,
    ],
    { cwd: run.layout.store },
  )
}

/** verify-commit: the commit's tree, hashed from the object store, matches the manifest before checkout. */
export async function verifyCommit(run: UpdateRun): Promise<void> {
  verifyTree(run.verified.payload, await hashTree({ dir: run.layout.store, rev: run.target.commit }))
}

/** Where the release goes, and whether it is the kept `rollback` release (re-used in place). */
export function planReleaseDir(run: UpdateRun): void {
  run.dir = releaseDir(run.layout, run.target.version)
  run.reuse = run.target.version === readPointer(run.layout.rollback) && isRealDir(run.dir)
}

/** worktree: checks the commit out into releases/<version> (a leftover of a killed run is replaced). */
export async function makeWorktree(run: UpdateRun): Promise<void> {
  if (run.reuse) return
  const { layout, dir } = run
  if (exists(dir)) await removeRelease(layout, dir) // a leftover of a killed run, or an unpinned old copy
  await runGit(['worktree', 'prune'], { cwd: layout.store })
  run.made = dir
  await runGit(['worktree', 'add', '-q', '--detach', '--end-of-options', dir, run.target.commit], {
    cwd: layout.store,
  })
}

/** verify-worktree: the checked-out files (and, for a kept release, its untracked files) match. */
export async function verifyWorktree(run: UpdateRun): Promise<void> {
  // A kept release is re-verified by its own kind (it may have been made from a tarball).
  if (run.reuse)
    return verifyKeptRelease(run.layout, run.verified.payload, readInstalled(run.layout, run.target.version))
  await verifyReleaseFolder(run.dir, run.verified.payload, undefined)
}

/** The entries of <app-root>/shared/ this run links into a new release (none for a kept release). */
export function sharedEntriesOf(run: UpdateRun): ReturnType<typeof sharedEntriesFor> {
  return run.reuse ? [] : sharedEntriesFor(run.o.shared, run.config.shared, run.layout)
}

/** shared: links to <app-root>/shared/ before the install command sees the folder (issue 16, item 3). */
export function linkShared(run: UpdateRun): void {
  linkSharedEntries(run.layout, run.dir, run.target.version, sharedEntriesOf(run))
}

/** install: the operator's install command in the new release (not re-run for a kept release). */
export async function runInstall(run: UpdateRun): Promise<void> {
  await runReleaseCommand(
    run.o.installCommand!,
    run.dir,
    run.o.installTimeoutMs ?? 300_000,
    'E_INSTALL_FAILED',
  )
}

/** health: the health command and callback in the new release, before the swap. */
export async function checkHealth(run: UpdateRun): Promise<void> {
  const { o, dir } = run
  if (o.healthCommand)
    await runReleaseCommand(o.healthCommand, dir, o.healthTimeoutMs ?? 60_000, 'E_HEALTH_FAILED')
  if (o.healthCheck)
    await o
      .healthCheck(dir)
      .catch((e: unknown) =>
        Promise.reject(
          new RelsealError('E_HEALTH_FAILED', `health check failed: ${(e as Error).message}`, { cause: e }),
        ),
      )
}

/** The record written at the swap, with what install and health left beside the tracked files. */
export async function installedRecord(run: UpdateRun): Promise<InstalledRelease> {
  const { verified } = run
  const base = {
    ...run.target,
    tag: verified.payload.tag,
    manifest_digest: verified.digest,
    key_ids: verified.keyIds,
  }
  // rollback later expects exactly the files listed now; a kept release keeps its first record.
  if (run.reuse) return { ...readInstalled(run.layout, run.target.version), ...base }
  if (run.tarball) return { ...base, ...(await tarballRecord(run)) }
  const untracked = await hashUntracked(run.dir)
  return { ...base, kind: 'git', untracked: { files: untracked.files, hash: untracked.hash } }
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
