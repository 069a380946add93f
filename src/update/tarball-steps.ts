/**
 * Tarball releases (issue 17, item 2): for hosts without git, `update --from-artifact NAME`
 * makes releases/<version>/ from a signed `.tar.gz` artifact instead of a git worktree. The
 * archive is downloaded into .relseal/manifests/<version>.tar.gz and its size and SHA-256 match the
 * signed entry before a byte of it is extracted; extraction is install-tarball.ts (zip-slip and
 * friends refused before anything is written). Install, health, swap, restart, watch and prune
 * are the git release's steps. Rollback re-checks the kept archive against the signed entry and
 * every path of the folder against the list taken right after install.
 */
import { closeSync, fsyncSync, lstatSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { RelsealError } from '../errors.js'
import type { ManifestPayload } from '../manifest/index.js'
import { escapeUntrusted } from '../text/escape.js'
import { compareByBytes, hashFile } from '../tree/index.js'
import {
  DEFAULT_ARTIFACT_DEADLINE_MS,
  downloadArtifact,
  signedArtifact,
  verifyDownloaded,
} from './artifact-source.js'
import { extractTarball } from './install-tarball.js'
import {
  archivePath,
  isRealDir,
  isRealFile,
  kindOf,
  removeRelease,
  type InstalledRelease,
} from './installed.js'
import { releaseDir, type AppLayout } from './layout.js'
import { verifyReleaseFolder } from './reverify.js'
import { hashPaths, type UntrackedFiles } from './untracked.js'
import type { UpdateOptions } from './update.js'
import type { UpdateRun } from './update-run.js'

/** Names a release archive may have: gzip-compressed tar. */
const TARBALL_NAME = /\.(tar\.gz|tgz)$/

/** The options `fromArtifact` needs, checked before any step (E_USAGE). */
export function checkTarballOptions(o: UpdateOptions): void {
  const name = o.fromArtifact
  if (name === undefined) return
  if (!TARBALL_NAME.test(name))
    throw new RelsealError(
      'E_USAGE',
      `--from-artifact takes the name of a .tar.gz (or .tgz) artifact the manifest lists; got "${escapeUntrusted(name)}"`,
    )
  if (typeof o.manifest !== 'string')
    throw new RelsealError(
      'E_USAGE',
      'fromArtifact needs the manifest source (a file, https URL or github: source) to download the artifact from, not manifest bytes',
    )
  if (o.allowedSigners !== undefined)
    throw new RelsealError(
      'E_USAGE',
      '--allowed-signers checks a git tag; a tarball release is checked by the signed digest of its archive, so drop one of them',
    )
}

/**
 * download: the signed artifact streams into .relseal/manifests/<version>.tar.gz.partial while it
 * is hashed (never past the signed size), and gets its final name only when its size and SHA-256
 * match the signed entry. A killed run's leftover folder (and archive) of this version goes first.
 */
export async function downloadArchive(run: UpdateRun): Promise<void> {
  const { layout, verified, target, o } = run
  const entry = signedArtifact(verified.payload, o.fromArtifact!)
  // A killed run's leftover, or a link planted there: removed (a link unlinked, never followed).
  if (lstatSync(run.dir, { throwIfNoEntry: false }) !== undefined) await removeRelease(layout, run.dir)
  const archive = archivePath(layout, target.version)
  const partial = `${archive}.partial`
  rmSync(partial, { force: true })
  // 'wx': nothing already there (a link) is written through.
  const fd = openSync(partial, 'wx', 0o600)
  try {
    const got = await downloadArtifact(
      o.manifest as string,
      verified.payload,
      entry,
      fd,
      { deadlineMs: DEFAULT_ARTIFACT_DEADLINE_MS, ...o.source },
      () => o.killPoint?.('download:partial'),
    )
    verifyDownloaded(got, entry, target.version)
    fsyncSync(fd)
  } catch (e) {
    rmSync(partial, { force: true })
    throw e
  } finally {
    closeSync(fd)
  }
  renameSync(partial, archive)
  // From here the folder and its archive go again if the run fails before the swap.
  run.made = run.dir
  run.tarball = { name: entry.name, size: entry.size, sha256: entry.sha256 }
}

/** extract: the verified archive into releases/<version>, refused whole if any entry is unsafe. */
export async function extractArchive(run: UpdateRun): Promise<void> {
  await extractTarball(archivePath(run.layout, run.target.version), run.dir)
}

/** The record fields of a new tarball release, taken at the swap: every path after install and health. */
export async function tarballRecord(run: UpdateRun): Promise<Partial<InstalledRelease>> {
  const tree = await hashFolder(run.dir)
  return { kind: 'tarball', artifact: run.tarball!, tree: { files: tree.files, hash: tree.hash } }
}

/** Re-verifies a release folder already on disk by its kind (git worktree or extracted tarball). */
export async function verifyKeptRelease(
  layout: AppLayout,
  payload: ManifestPayload,
  record: InstalledRelease | undefined,
): Promise<void> {
  if (kindOf(record) === 'tarball') await verifyTarballRelease(layout, payload, record!)
  else await verifyReleaseFolder(releaseDir(layout, payload.version), payload, record)
}

/** Every path under `dir` (folders, files, links; links not followed), in byte order, hashed. */
export async function hashFolder(dir: string): Promise<UntrackedFiles> {
  const paths: string[] = []
  const walk = (rel: string): void => {
    const names = readdirSync(rel === '' ? dir : join(dir, rel), { withFileTypes: true })
    names.sort((a, b) => compareByBytes(a.name, b.name))
    for (const d of names) {
      const path = rel === '' ? d.name : `${rel}/${d.name}`
      paths.push(path)
      if (d.isDirectory()) walk(path)
    }
  }
  walk('')
  return hashPaths(dir, paths)
}

function mismatch(version: string, what: string): RelsealError {
  return new RelsealError(
    'E_TREE_MISMATCH',
    `releases/${version} ${what}; it was changed on disk after it was verified. relseal does not run it: ` +
      `inspect it, then install a newer release (relseal update)`,
  )
}

/**
 * Re-verifies a tarball release on disk against its verified payload: the artifact it was made
 * from is signed there, the kept archive still has the signed size and SHA-256, and the folder
 * holds exactly the paths, kinds and contents listed right after its install step.
 */
export async function verifyTarballRelease(
  layout: AppLayout,
  payload: ManifestPayload,
  record: InstalledRelease,
): Promise<void> {
  const v = payload.version
  const signed = record.artifact && payload.artifacts.find((a) => a.name === record.artifact!.name)
  if (!signed || signed.sha256 !== record.artifact!.sha256 || !record.tree)
    throw mismatch(v, 'has a record naming an archive its signed manifest does not list')
  const archive = archivePath(layout, v)
  if (!isRealFile(archive)) throw mismatch(v, `has lost its verified archive (${archive})`)
  const got = await hashFile(archive)
  if (got.size !== signed.size || got.sha256 !== signed.sha256)
    throw mismatch(v, `has an archive (${archive}) that no longer matches the signed sha256 ${signed.sha256}`)
  const dir = releaseDir(layout, v)
  if (!isRealDir(dir)) throw mismatch(v, 'is not the folder relseal extracted')
  const now = await hashFolder(dir)
  if (now.hash !== record.tree.hash)
    throw mismatch(
      v,
      `holds ${now.files} path(s), not the ${record.tree.files} recorded after its install step, or one of them changed`,
    )
}
