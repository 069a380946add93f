import { lstatSync, readFileSync, readdirSync, rmSync, unlinkSync } from 'node:fs'
import { basename, join } from 'node:path'
import semver from 'semver'
import { RelsealError } from '../errors.js'
import { runGit } from '../git/git.js'
import { MAX_MANIFEST_BYTES } from '../manifest/index.js'
import { writeFileAtomic } from './atomic-file.js'
import type { ReleaseRef } from './evidence.js'
import { readFailedReleases } from './failed-releases.js'
import type { AppLayout } from './layout.js'
import { readPointer } from './pointer.js'
import type { UntrackedFiles } from './untracked.js'

/** What relseal records about a release it verified and installed (local state, not signed). */
export interface InstalledRelease extends ReleaseRef {
  tag: string
  manifest_digest: string
  key_ids: string[]
  /** The untracked files right after install (rollback compares them; absent in old records). */
  untracked?: Omit<UntrackedFiles, 'sample'>
  /**
   * How the release folder was made (issue 17, item 2): a git worktree of the signed commit, or
   * the signed `.tar.gz` artifact `artifact` extracted (absent in old records: git).
   */
  kind?: 'git' | 'tarball'
  /** A tarball release: the signed artifact it was extracted from (kept as manifests/<version>.tar.gz). */
  artifact?: { name: string; size: number; sha256: string }
  /** A tarball release: every path of its folder right after install (rollback compares them). */
  tree?: Omit<UntrackedFiles, 'sample'>
}

/** A release's kind; records written before tarball releases are git. */
export const kindOf = (r: InstalledRelease | undefined): 'git' | 'tarball' => r?.kind ?? 'git'

const recordPath = (layout: AppLayout, version: string) => join(layout.manifests, `${version}.json`)
/** The signed envelope a release was installed from: what rollback re-verifies. */
export const envelopePath = (layout: AppLayout, version: string) =>
  join(layout.manifests, `${version}.release_manifest.json`)
/** The verified archive a tarball release was extracted from: what rollback re-checks. */
export const archivePath = (layout: AppLayout, version: string) => join(layout.manifests, `${version}.tar.gz`)

export function writeInstalled(layout: AppLayout, rec: InstalledRelease, envelope: Uint8Array): void {
  writeFileAtomic(envelopePath(layout, rec.version), envelope)
  writeFileAtomic(recordPath(layout, rec.version), `${JSON.stringify(rec, null, 2)}\n`)
}

export function readInstalled(layout: AppLayout, version: string | undefined): InstalledRelease | undefined {
  if (version === undefined || !isRealFile(recordPath(layout, version))) return undefined
  return JSON.parse(readFileSync(recordPath(layout, version), 'utf8')) as InstalledRelease
}

/** The stored signed envelope of an installed release, read with the manifest byte cap. */
export function readStoredEnvelope(layout: AppLayout, version: string): Uint8Array {
  const path = envelopePath(layout, version)
  if (!isRealFile(path) || lstatSync(path).size > MAX_MANIFEST_BYTES) {
    throw new RelsealError(
      'E_NOT_FOUND',
      `the signed manifest of ${version} (${path}) is missing or not a plain file of at most ${MAX_MANIFEST_BYTES} bytes; ` +
        `reinstall ${version} with relseal update`,
    )
  }
  return readFileSync(path)
}

/** Whether anything (a file, folder or link, followed or not) is at `path`. */
export function exists(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch {
    return false
  }
}

export function isRealFile(path: string): boolean {
  try {
    return lstatSync(path).isFile()
  } catch {
    return false
  }
}

/** True when `path` is a directory itself, not a symlink to one. */
export function isRealDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory()
  } catch {
    return false
  }
}

/**
 * Removes a release's worktree (and its git bookkeeping) whatever state a crash left it in, or a
 * tarball release's folder (plain rm, no git) and its kept archive. Never `current` or
 * `rollback`, never through a symlink: a link in releases/ is unlinked, not followed.
 */
export async function removeRelease(layout: AppLayout, dir: string): Promise<void> {
  const version = basename(dir)
  if (version === readPointer(layout.current) || version === readPointer(layout.rollback)) {
    throw new RelsealError(
      'E_IO',
      `refusing to remove releases/${version}: current or rollback points at it (this is a bug in relseal; nothing was removed)`,
    )
  }
  let st
  try {
    st = lstatSync(dir)
  } catch {
    st = undefined
  }
  rmSync(archivePath(layout, version), { force: true })
  // Only a git worktree has a .git file: anything else (a tarball release) goes without git.
  const worktree = st?.isDirectory() === true && exists(join(dir, '.git'))
  if (worktree)
    await runGit(['worktree', 'remove', '--force', '--force', dir], { cwd: layout.store, okCodes: [0, 128] })
  if (st && !st.isDirectory()) unlinkSync(dir)
  else rmSync(dir, { recursive: true, force: true }) // Node's rm unlinks links inside, never follows them
  if (!worktree) return // (a checkout killed before its .git file: makeWorktree prunes before adding)
  await runGit(['worktree', 'prune'], { cwd: layout.store })
  await runGit(['update-ref', '-d', releaseRef(version)], { cwd: layout.store, okCodes: [0, 1] })
}

/** The store's ref for an installed release's commit (versions are strict semver: valid in refs). */
export function releaseRef(version: string): string {
  return `refs/relseal/releases/${version}`
}

/** Release folders present on disk (semver names, real directories), newest first. */
export function installedVersions(layout: AppLayout): string[] {
  if (!isRealDir(layout.releases)) return []
  return readdirSync(layout.releases)
    .filter((v) => semver.valid(v) === v && isRealDir(join(layout.releases, v)))
    .sort(semver.rcompare)
}

/**
 * The release `rollback` goes to from `version`: the newest installed release older than it
 * (issue 22, item 5: back, never forward) that did not fail here after its swap (issue 16), or
 * undefined when there is none.
 */
export function olderInstalled(layout: AppLayout, version: string | undefined): string | undefined {
  if (version === undefined) return undefined
  const failed = new Set(readFailedReleases(layout).map((f) => f.version))
  return installedVersions(layout).find(
    (v) =>
      semver.lt(v, version) &&
      !failed.has(v) &&
      readInstalled(layout, v) !== undefined &&
      isRealFile(envelopePath(layout, v)),
  )
}
